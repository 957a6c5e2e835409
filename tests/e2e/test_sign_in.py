"""Sign-in with a real OpenID provider (oidc-provider on loopback) in real headless Chromium: two people
sign in; one's runs and designs are invisible to the other on every page and by direct link; a shared
run opens read-only; keys are not used across people; a viewer cannot start a run; sign-out works; and
a provider that cannot be reached gives a clear sign-in error page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.llm.scripted import ScriptedLLMServer
from storage import open_database
from storage.design_rows import TEAM
from storage.designs import list_teams, save_agent, save_model, save_team, set_shared
from storage.documents import AgentSpec, ModelSpec, TeamSpec
from storage.people import person_by_email
from storage.runs import list_runs
from storage.secrets import store_api_key
from tests.support.oidc_provider import auth_secrets, oidc_provider
from tests.support.studio import (
    choose,
    chromium,
    eventually,
    free_port,
    new_page,
    studio_server,
    wait_until_idle,
)

TEAM_NAME = "Ada's private team"


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture(scope="module")
def studio(tmp_path_factory) -> Iterator[tuple[str, str, Path]]:  # type: ignore[no-untyped-def]
    """A studio that needs sign-in through a real provider: (studio URL, issuer, data dir)."""
    data_dir = tmp_path_factory.mktemp("signin-data")
    port = free_port()
    with oidc_provider(f"http://localhost:{port}/oauth2callback", data_dir) as issuer:
        secrets = auth_secrets(data_dir / "secrets.toml", port, issuer)
        with studio_server(data_dir, port=port, args=("--secrets.files", str(secrets))):
            yield f"http://localhost:{port}", issuer, data_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as browser:
        yield browser


def sign_in(browser, url: str, issuer: str, login: str):  # type: ignore[no-untyped-def]
    """A new browser context (its own cookies) signed in as ``login`` through the provider's login pages."""
    page = new_page(browser)
    page.goto(url)
    wait_until_idle(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{issuer}/**")
    page.fill('input[name="login"]', login)
    page.fill('input[name="password"]', "any password")
    page.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    if page.url.startswith(issuer):  # the consent page
        page.locator('button[type="submit"]').click()
    page.wait_for_url(f"{url}/**")
    wait_until_idle(page)
    page.get_by_text("Signed in as", exact=False).wait_for()
    return page


def open_page(page, url: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_until_idle(page)
    page.wait_for_timeout(300)
    wait_until_idle(page)
    return page.locator('[data-testid="stMainBlockContainer"]').inner_text()


def seed_ada(data_dir: Path, llm: ScriptedLLMServer) -> None:
    """Ada's team on the scripted model, with a key she typed (not shared)."""
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        ada = person_by_email(db, "ada@example.org")
        save_model(db, ModelSpec(name="Ada model", model="openai/ada", api_base=llm.url, stream=False,
                                 extra={"max_retries": 0}), actor=ada)
        store_api_key(db, "Ada model", "sk-ada", actor=ada)
        save_agent(db, AgentSpec(name="ada_writer", kind="assistant", model="Ada model"), actor=ada)
        save_agent(db, AgentSpec(name="ada_asker", kind="user_proxy", human_input_mode="NEVER"), actor=ada)
        save_team(db, TeamSpec(name=TEAM_NAME, kind="two_agent", members=["ada_asker", "ada_writer"],
                               initiator="ada_asker", max_turns=1), actor=ada)
    finally:
        db.close()


def share_adas_team(data_dir: Path, llm: ScriptedLLMServer) -> None:
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    try:
        ada = person_by_email(db, "ada@example.org")
        if TEAM_NAME not in [t.name for t in list_teams(db, ada)]:
            seed_ada(data_dir, llm)
        set_shared(db, TEAM, TEAM_NAME, True, actor=ada)
    finally:
        db.close()


def start_run(page, url: str, team: str, task: str) -> int:  # type: ignore[no-untyped-def]
    open_page(page, url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    choose(page, sidebar.locator('[data-testid="stSelectbox"]').first, team)
    sidebar.locator("textarea").fill(task)
    sidebar.get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r".*run=\d+"))
    return int(re.search(r"run=(\d+)", page.url).group(1))  # type: ignore[union-attr]


def test_two_people_see_only_their_own_and_what_is_shared(studio, browser, llm) -> None:  # type: ignore[no-untyped-def]
    url, issuer, data_dir = studio
    ada = sign_in(browser, url, issuer, "ada@example.org")
    seed_ada(data_dir, llm)
    llm.script("ada", ["The secret answer is 42. TERMINATE"])
    run_id = start_run(ada, url, TEAM_NAME, "Ada's confidential task")
    ada.get_by_text("The secret answer is 42").first.wait_for(timeout=60_000)
    assert llm.authorizations == ["Bearer sk-ada"]

    bob = sign_in(browser, url, issuer, "bob@example.org")
    for path in ("", "/history", "/replay", "/teams", "/agents", "/models"):
        text = open_page(bob, f"{url}{path}")
        for secret in (TEAM_NAME, "Ada's confidential task", "Ada model", "ada_writer", "secret answer"):
            assert secret not in text, f"{secret!r} shown to Bob on {path or '/'}"
    for path in (f"/?run={run_id}", f"/replay?run={run_id}", f"/history?run={run_id}"):
        text = open_page(bob, f"{url}{path}")
        assert "secret answer" not in text and "confidential" not in text, path
    assert f"Run #{run_id} does not exist" in open_page(bob, f"{url}/replay?run={run_id}")

    # Ada shares the team: Bob may run it, but her key is not used for his run
    db = open_database(f"sqlite:///{data_dir / 'roundtable.db'}")
    set_shared(db, TEAM, TEAM_NAME, True, actor=person_by_email(db, "ada@example.org"))
    open_page(bob, url)
    sidebar = bob.locator('[data-testid="stSidebar"]')
    choose(bob, sidebar.locator('[data-testid="stSelectbox"]').first, TEAM_NAME)
    sidebar.locator("textarea").fill("Bob wants to use Ada's key")
    sidebar.get_by_role("button", name="Run").click()
    bob.get_by_text("has not shared it").wait_for()
    assert llm.authorizations == ["Bearer sk-ada"]
    assert [r.owner_id for r in list_runs(db)] == [person_by_email(db, "ada@example.org").person_id]

    # Ada shares her run from Replay: Bob opens the share link and reads it, without run controls
    open_page(ada, f"{url}/replay?run={run_id}")
    ada.get_by_text(re.compile(rf"Run #{run_id}")).first.click()
    toggle = ada.get_by_text("Anyone signed in may open this replay")
    toggle.wait_for()
    wait_until_idle(ada)  # a click while the page script still runs can land on an element it replaces
    toggle.click()
    wait_until_idle(ada)
    # the tick is stored by the page's next run: wait for it, not a fixed time
    eventually(lambda: next(r for r in list_runs(db) if r.id == run_id).shared, timeout=30, page=ada)
    text = open_page(bob, f"{url}/replay?run={run_id}")
    assert "does not exist" not in text
    bob.get_by_role("button", name="End").click()
    bob.get_by_text("The secret answer is 42").first.wait_for()
    text = open_page(bob, f"{url}/?run={run_id}")
    assert "shared with you" in text and "Stop the run" not in text
    db.close()


def test_an_admin_makes_someone_a_viewer_who_cannot_start_runs(studio, browser, llm) -> None:  # type: ignore[no-untyped-def]
    url, issuer, data_dir = studio
    ada = sign_in(browser, url, issuer, "ada@example.org")  # the first to sign in: the admin
    share_adas_team(data_dir, llm)
    carol = sign_in(browser, url, issuer, "carol@example.org")
    assert "editor" in carol.locator('[data-testid="stSidebar"]').inner_text()
    carol.close()
    open_page(ada, f"{url}/people")
    row = ada.locator('[class*="st-key-people-person-"]').filter(has_text="carol@example.org")
    choose(ada, row.locator('[data-testid="stSelectbox"]'), "viewer")
    ada.get_by_text("carol@example.org is now viewer").wait_for()

    carol = sign_in(browser, url, issuer, "carol@example.org")
    assert "viewer" in carol.locator('[data-testid="stSidebar"]').inner_text()
    assert "People" not in carol.locator('[data-testid="stSidebarNav"]').inner_text()  # not an admin's
    open_page(carol, url)  # Ada's shared team is there, but a viewer's Run button is disabled, with the reason
    sidebar = carol.locator('[data-testid="stSidebar"]')
    run_button = sidebar.get_by_role("button", name="Run")  # the new-run form: drawn only when a team is visible
    assert run_button.count() == 1 and run_button.is_disabled()
    assert "Viewers replay and export runs" in sidebar.inner_text()
    open_page(carol, f"{url}/gallery")
    adds = carol.get_by_role("button", name="Add to my teams")
    assert adds.count() == 3 and all(adds.nth(i).is_disabled() for i in range(3))


def test_sign_out_returns_to_the_sign_in_page(studio, browser) -> None:  # type: ignore[no-untyped-def]
    url, issuer, _ = studio
    bob = sign_in(browser, url, issuer, "bob@example.org")
    bob.get_by_role("button", name="Sign out").click()
    # Streamlit clears its cookie and ends the provider's session too (OIDC logout), which asks to confirm
    bob.wait_for_url(re.compile("^" + re.escape(issuer) + "/"))
    bob.get_by_role("button", name="Yes, sign me out").click()
    bob.wait_for_url(f"{url}/**")
    wait_until_idle(bob)
    text = open_page(bob, f"{url}/history")
    assert "Sign in to Roundtable" in text and "History" not in text


def test_an_unreachable_provider_gives_a_clear_sign_in_error_page(tmp_path, browser) -> None:  # type: ignore[no-untyped-def]
    port, dead = free_port(), free_port()  # nothing listens on the provider's port
    secrets = auth_secrets(tmp_path / "secrets.toml", port, f"http://localhost:{dead}")
    with studio_server(tmp_path, port=port, args=("--secrets.files", str(secrets))):
        page = new_page(browser)
        text = open_page(page, f"http://localhost:{port}")
        assert "Sign in to Roundtable" in text
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Signing in is not possible right now").wait_for()
        text = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
        assert f"localhost:{dead} cannot be reached" in text and "Traceback" not in text
