"""The sign-in page: one button per configured provider, and a clear page when a provider is down.

Before sending the browser to the provider, the studio fetches the provider's discovery document
(``server_metadata_url``): Streamlit itself would answer a provider it cannot reach with a bare
"Authentication error", so the person is told here what is wrong and what to do instead.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from studio.auth import providers

TIMEOUT_S = 5.0


def provider_problem(metadata_url: str, timeout_s: float = TIMEOUT_S) -> str | None:
    """None when the provider's discovery document answers, else why not, in words for a person."""
    host = urlsplit(metadata_url).netloc or metadata_url
    try:
        with urllib.request.urlopen(metadata_url, timeout=timeout_s) as response:  # noqa: S310 - the operator's URL
            document = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as error:
        return f"the sign-in service at {host} answered with HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"the sign-in service at {host} cannot be reached ({reason})"
    except ValueError:
        return f"the sign-in service at {host} did not answer with an OpenID configuration"
    if not isinstance(document, dict) or "authorization_endpoint" not in document:
        return f"the sign-in service at {host} did not answer with an OpenID configuration"
    return None


def sign_in_page(section: dict[str, Any]) -> None:
    """Draw the sign-in page (the script stops after it)."""
    st.title("Sign in to Roundtable")
    st.write("This studio is shared: sign in to see your designs and runs, and what others shared with you.")
    failed = st.session_state.get("auth.problem")
    if failed:
        st.error(
            f"Signing in is not possible right now: {failed}. Try again in a moment; if it keeps failing, "
            "the person who runs this studio should check the sign-in settings ([auth] in secrets.toml).",
            icon=":material/cloud_off:",
        )
    for name, settings in providers(section).items():
        label = f"Sign in with {name.title()}" if name else "Sign in"
        if st.button(label, key=f"auth.login.{name or 'default'}", type="primary", icon=":material/login:"):
            problem = provider_problem(str(settings.get("server_metadata_url", "")))
            if problem:
                st.session_state["auth.problem"] = problem
                st.rerun()
            st.session_state.pop("auth.problem", None)
            st.login(name or None)
