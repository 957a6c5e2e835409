"""Models: the LLMs agents can use. Presets per provider, a key that is stored but never shown, and a Test."""

from __future__ import annotations

import streamlit as st

from components.llm.local_catalog import BUILTIN_MODELS
from components.llm.local_catalog import builtin_model as catalog_model
from components.llm.local_model import local_model_status
from storage.design_rows import MODEL
from storage.designs import delete_model, get_model, list_models, ownership
from storage.errors import StorageError
from storage.secrets import key_source, resolve_api_key
from studio import ui
from studio.auth import current_actor
from studio.defaults import BUILTIN_MODEL_NAME, BUILTIN_MODEL_NOTE, builtin_model
from studio.forms import models as logic
from studio.formstate import NEW, Form, show_flash
from studio.model_check import try_model
from studio.presets import PRESETS, full_model
from studio.references import model_users
from studio.render.safe_markdown import safe_markdown
from studio.state import database

PAGE = "models"
KEY_LABELS = {
    "stored": "key stored in the studio", "environment": "key from the environment",
    "missing": "key missing", "not_needed": "no key needed", "stored_elsewhere": "key stored for another server",
    "not_shared": "its owner's key is not shared",
}

db = database()
actor = current_actor()
form = Form(PAGE)
ui.header("Models", "The language models your agents think with. Add one per provider or model you want to use.")
show_flash(PAGE)
models = {m.name: m for m in list_models(db, actor)}
owners = ownership(db, MODEL, actor)


def describe(name: str) -> str:
    spec = models[name]
    whose = "" if owners[name].owner_id == actor.person_id else f" \u00b7 {owners[name].owner}'s, shared"
    return f"{spec.model} \u00b7 {KEY_LABELS[key_source(db, spec, owner_id=actor.person_id)]}{whose}"


def add_builtin() -> None:
    from storage.designs import save_model

    save_model(db, builtin_model(), actor=actor)
    form.select(BUILTIN_MODEL_NAME)


def builtin_models_panel() -> None:
    """Which built-in offline models this machine has, how big and fast they are, and how to add one."""
    from components.llm.local_choice import availability

    for item in availability():
        model = item.model
        mark = ":material/check_circle: installed" if item.installed else ":material/cancel: not installed"
        st.markdown(f"**{model.label}** \u00b7 `{model.name}` \u00b7 {mark}")
        st.caption(f"{model.download_mb} MB download; {model.summary}.")
        if not item.installed:
            st.caption(f"To add it: `{model.install}`, then restart the studio.")


listing, editor = st.columns([1, 2.2], gap="large")
with listing:
    ui.item_list(form, list(models), describe, "New model")
    if BUILTIN_MODEL_NAME not in models:
        st.button(
            "Add the built-in local model", key=f"{PAGE}.add_builtin", icon=":material/download_done:",
            on_click=add_builtin, width="stretch", help=BUILTIN_MODEL_NOTE,
        )
    with st.expander("Built-in offline models", icon=":material/memory:"):
        builtin_models_panel()

with editor:
    if form.selected is None or (form.selected != NEW and form.selected not in models):
        ui.nothing_selected(
            bool(models), "No models yet: add one, or use the built-in local model (offline, no key needed).",
            "Pick a model on the left to edit or test it, or click **New model**. "
            "No account yet? The built-in local model works offline, without a key.",
        )
        st.stop()
    if form.needs_loading():
        if form.selected == NEW:
            form.load(logic.new_values())
        else:
            spec = models[form.selected]
            form.load(logic.values_from_spec(spec, key_source(db, spec, owner_id=actor.person_id) == "stored"))

    st.subheader("New model" if form.selected == NEW else form.selected)
    st.text_input(
        "Name", **form.widget("name"), placeholder="e.g. GPT-4o mini",
        help="How this model is called in Roundtable; agents refer to it by this name.",
    )
    form.error("name")
    st.selectbox(
        "Provider", list(PRESETS), **form.widget("preset"), format_func=lambda k: PRESETS[k].label,
        on_change=logic.apply_preset, args=(form,),
    )
    preset = PRESETS[form.get("preset")]
    st.caption(preset.help)
    if preset.key == "local":
        names = [model.short_name for model in BUILTIN_MODELS.values()]
        names += [] if form.get("model") in names else [form.get("model")]
        st.selectbox(
            "Model", names, **form.widget("model"),
            format_func=lambda n: catalog_model(n).label if catalog_model(n) else f"{n} (unknown)",
            help="Which built-in model answers. The list on the left says which are installed.",
        )
        ready, message = local_model_status(full_model(preset, form.get("model") or ""))
        (st.success if ready else st.warning)(message, icon=":material/memory:")
    else:
        st.text_input(
            "Model", **form.widget("model"),
            help=f"The model's name at {preset.label}"
            + (f", without the {preset.prefix} prefix" if preset.prefix else "") + ".",
        )
    form.error("model")
    if preset.needs_base_url or preset.key in ("openai", "other"):
        st.text_input(
            "Base URL" + ("" if preset.needs_base_url else " (optional)"), **form.widget("api_base"),
            placeholder=preset.api_base or "leave empty for the provider's usual address",
            help="The address of the API. Leave empty to use the provider's usual address.",
        )
        form.error("api_base")
    if preset.key != "local":
        st.radio("API key", list(logic.KEY_CHOICES), **form.widget("key_source"), format_func=logic.KEY_CHOICES.get)
        source = form.get("key_source")
        if source == logic.KEY_FROM_ENV:
            st.text_input(
                "Environment variable", **form.widget("api_key_env"), placeholder="OPENAI_API_KEY",
                help="Roundtable reads the key from this variable when it calls the model. The key itself is "
                "never stored, exported or shown.",
            )
            form.error("api_key_env")
        elif source == logic.KEY_TYPED:
            if form.get("had_key"):
                st.caption(":material/lock: A key is stored for this model. Type a new one to replace it.")
            st.text_input(
                "Key", **form.widget("api_key"), type="password", placeholder="sk-...",
                help="Kept in this studio's database only: never shown again, never exported.",
            )
            form.error("api_key")

    with st.expander("Advanced settings"):
        st.slider(
            "Temperature", 0.0, 2.0, step=0.1, **form.widget("temperature"),
            help="Lower is more focused and repeatable; higher is more varied. 0.2-0.7 suits most agents.",
        )
        limit = st.checkbox("Limit the length of each reply", **form.widget("set_max_tokens"))
        if limit:
            st.number_input("Max tokens per reply", min_value=1, step=64, **form.widget("max_tokens"))
        form.error("max_tokens", "temperature")
        st.number_input(
            "Timeout (seconds)", min_value=1.0, step=10.0, **form.widget("timeout"),
            help="How long to wait for one answer before giving up.",
        )
        st.toggle("Stream the reply word by word", **form.widget("stream"))
        st.text_area(
            "Other litellm parameters (JSON)", **form.widget("extra"), height=100, placeholder='{"top_p": 0.9}',
            help="Passed to litellm as they are. Never put a key here: use the API key setting above.",
        )
        form.error("extra")
    form.other_errors(["name", "model", "api_base", "api_key_env", "api_key", "max_tokens", "temperature", "extra"])

    save_col, test_col, delete_col = st.columns([1, 1, 1.4])
    save_col.button(
        "Save model", key=f"{PAGE}.save", type="primary", icon=":material/save:", on_click=logic.save,
        args=(db, form), width="stretch", disabled=not actor.may_run, help=ui.design_refusal(actor),
    )
    tested = test_col.button(
        "Test", key=f"{PAGE}.test", icon=":material/bolt:", width="stretch",
        help="Sends one short prompt with the settings above (saved or not) and shows the reply.",
    )
    if form.selected != NEW:
        ui.share_controls(db, actor, MODEL, form.selected, owners.get(form.selected))
        with delete_col:
            ui.delete_button(form, "model", form.selected, model_users(db, form.selected, actor),
                             lambda n: delete_model(db, n, actor), actor)
    if tested:
        form.clear_errors()
        spec = logic.spec_from_form(form)
        if spec is not None:
            key = form.get("api_key") if form.get("key_source") == logic.KEY_TYPED else None
            if not key and form.selected != NEW and form.get("key_source") == logic.KEY_TYPED:
                try:
                    key = resolve_api_key(db, get_model(db, form.selected, actor), owner_id=actor.person_id)
                except StorageError as error:
                    st.error(str(error), icon=":material/key_off:")
                    st.stop()
            with st.spinner(f"Asking {spec.model}... (the first test also loads the model library)"):
                result = try_model(spec, key)
            st.session_state[f"{PAGE}.test_result"] = (form.selected, result)
            st.toast(f"{result.model} answered in {result.seconds:.1f} s" if result.ok else "The test failed: see below",
                     icon=":material/check_circle:" if result.ok else ":material/error:")
        else:
            st.rerun()
    shown = st.session_state.get(f"{PAGE}.test_result")
    if shown and shown[0] == form.selected:
        result = shown[1]
        if result.ok:
            st.success(safe_markdown(f"**{result.model} answered:** {result.reply}"), icon=":material/check_circle:")
            a, b, c = st.columns(3)
            a.metric("Latency", f"{result.seconds:.2f} s")
            b.metric("Prompt tokens", result.prompt_tokens)
            c.metric("Reply tokens", result.completion_tokens)
        else:
            st.error(result.error, icon=":material/error:")
