"""What each design page's form means: design -> form values, form values -> design, and saving it."""
