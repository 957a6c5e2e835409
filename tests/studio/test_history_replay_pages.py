"""AppTest of the History and Replay pages on a real SQLite database with stored runs."""

from __future__ import annotations

from components.events import ChatFinished, ChatStarted, CodeFinished, CodeStarted, MessageSent
from storage.documents import AgentSpec, TeamDocument, TeamSpec
from storage.eventlog import append_events
from storage.runs import create_run, list_runs, set_run_status
from tests.studio.conftest import fresh


def _team() -> TeamDocument:
    return TeamDocument(
        team=TeamSpec(name="Pair", kind="two_agent", members=["user", "helper"], initiator="user"),
        agents=[AgentSpec(name="user", kind="user_proxy"), AgentSpec(name="helper", kind="assistant")],
    )


def _stored_run(db, task: str, status: str = "completed", messages: int = 3) -> int:  # type: ignore[no-untyped-def]
    run_id = create_run(db, _team(), task)
    set_run_status(db, run_id, "running")
    events = [ChatStarted(chat_id="c", initiator="user", recipient="helper", ts=100.0)]
    for i in range(messages):
        sender, recipient = ("user", "helper") if i % 2 == 0 else ("helper", "user")
        events.append(MessageSent(sender=sender, recipient=recipient, role="assistant", content=f"{task} #{i}",
                                  name=sender, ts=101.0 + i))
    events += [
        CodeStarted(agent="user", exec_id="x1", language="python", code="print(2)", ts=110.0),
        CodeFinished(agent="user", exec_id="x1", language="python", exit_code=0, output="2\n", duration_s=0.1, ts=111.0),
        ChatFinished(chat_id="c", initiator="user", recipient="helper", reason="termination message", ts=112.0),
    ]
    append_events(db, run_id, events)
    set_run_status(db, run_id, status)
    return run_id


def test_history_lists_filters_and_exports(studio_db, page) -> None:
    first = _stored_run(studio_db, "count apples")
    _stored_run(studio_db, "sort pears", status="failed")
    at = page("history")
    table = at.dataframe[0].value
    assert list(table["task"]) == ["sort pears", "count apples"]
    assert list(table["status"]) == ["Failed", "Completed"]

    at.text_input(key="history.search").set_value("apples").run()
    assert list(at.dataframe[0].value["task"]) == ["count apples"]

    at.text_input(key="history.search").set_value("").run()
    at.multiselect(key="history.status").set_value(["failed"]).run()
    assert list(at.dataframe[0].value["task"]) == ["sort pears"]

    at.query_params["run"] = str(first)
    at.multiselect(key="history.status").set_value([]).run()
    assert any(f"Run #{first}" in h.value for h in at.subheader)
    assert not at.exception


def test_history_delete_removes_the_run(studio_db, page) -> None:
    run_id = _stored_run(studio_db, "to be deleted")
    keep = _stored_run(studio_db, "to be kept")
    at = page("history")
    at.query_params["run"] = str(run_id)
    at.run()
    at.button(key="history.delete").click().run()
    assert [r.id for r in list_runs(fresh(studio_db))] == [keep]


def test_replay_opens_at_the_start_then_draws_up_to_the_position_and_steps(studio_db, page) -> None:
    run_id = _stored_run(studio_db, "replay me", messages=4)
    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    assert not any("replay me #0" in m.value for m in at.markdown)  # ready to play from the start
    assert any("Message 0 of 4 · 0.0 s of 12 s" in c.value for c in at.caption)
    assert at.button(key="replay.play").label == "Play"

    at.button(key="replay.last").click().run()
    assert any("replay me #3" in m.value for m in at.markdown)
    assert any("Message 4 of 4 · 12 s of 12 s" in c.value for c in at.caption)

    at.button(key="replay.first").click().run()
    assert not any("replay me #0" in m.value for m in at.markdown)
    at.button(key="replay.step").click().run()  # chat_started
    at.button(key="replay.step").click().run()  # first message
    texts = [m.value for m in at.markdown]
    assert any("replay me #0" in t for t in texts) and not any("replay me #1" in t for t in texts)
    assert at.slider(key="replay.slider").value == 2
    assert any("Message 1 of 4 · 1.0 s of 12 s" in c.value for c in at.caption)
    assert not at.exception


def test_replay_share_link_is_a_code_block_with_the_run(studio_db, page) -> None:
    run_id = _stored_run(studio_db, "share me")
    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    assert any(c.value.endswith(f"?run={run_id}") for c in at.code)  # st.code: it has a copy button
    assert not at.exception


def test_history_shows_a_transcript_preview_and_the_share_link(studio_db, page) -> None:
    run_id = _stored_run(studio_db, "preview me", messages=3)
    at = page("history")
    assert not any("preview me #1" in m.value for m in at.markdown)  # nothing chosen yet
    at.query_params["run"] = str(run_id)
    at.run()
    texts = [m.value for m in at.markdown]
    assert all(any(f"preview me #{i}" in t for t in texts) for i in range(3))
    assert any(c.value.endswith(f"/replay?run={run_id}") for c in at.code)
    assert not at.exception


def test_a_huge_message_is_drawn_shortened_with_show_all_and_the_whole_text_to_download(studio_db, page) -> None:
    """A 1 MB reply (a model or a flood of output): the page draws its start, the rest on request."""
    huge = "".join(f"line {i:06d} of a very long reply\n" for i in range(30_000))  # ~1 MB
    run_id = create_run(studio_db, _team(), "flood")
    append_events(studio_db, run_id, [
        MessageSent(sender="helper", recipient="user", role="assistant", content=huge, name="helper"),
        ChatFinished(chat_id="c", initiator="user", recipient="helper", reason="done"),
    ])
    set_run_status(studio_db, run_id, "completed")
    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    at.button(key="replay.last").click().run()  # Replay opens at the start
    drawn = next(m.value for m in at.markdown if "line 000000" in m.value)
    assert len(drawn) < 7_000 and "line 029999" not in drawn
    assert any("more characters are not drawn here" in c.value for c in at.caption)
    show = next(b for b in at.button if b.label == "Show all")
    show.click().run()
    assert any("line 029999" in m.value for m in at.markdown)  # now drawn whole
    assert not at.exception


def test_an_image_from_the_run_is_shown_with_a_download_button(studio_db, page, tmp_path) -> None:
    """The Plot maker promises a PNG to keep: the image is drawn and offered for download (demo issue, item 13)."""
    import base64

    from components.events import Artifact
    from storage.database import data_dir
    from studio.runs.files import run_folder

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    run_id = create_run(studio_db, _team(), "draw")
    folder = run_folder(data_dir(), run_id)
    folder.mkdir(parents=True)
    (folder / "chart.png").write_bytes(png)
    append_events(studio_db, run_id, [
        CodeStarted(agent="user", exec_id="x1", language="python", code="plot()"),
        CodeFinished(agent="user", exec_id="x1", language="python", exit_code=0, output="saved\n", duration_s=0.1,
                     work_dir=str(folder), artifacts=[Artifact(path="chart.png", mime="image/png", size=len(png))]),
    ])
    set_run_status(studio_db, run_id, "completed")
    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    at.button(key="replay.last").click().run()  # Replay opens at the start: draw it all
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == [f"Download chart.png ({len(png)} B)"]
    assert downloads[0].proto.type == "tertiary"  # beside the drawn image (a plain file's is the only widget)
    assert not at.exception


def test_a_model_that_is_down_is_reported_once_in_words(studio_db, page) -> None:
    """Retries of the same failure collapse into one "trying again", and the header does not repeat the
    final error (demo issue, item 13)."""
    from components.events import ErrorRaised

    message = "cannot reach http://127.0.0.1:9/v1 for model openai/writer: is the server running and the URL right?"
    run_id = create_run(studio_db, _team(), "down")
    append_events(studio_db, run_id, [
        ChatStarted(chat_id="c", initiator="user", recipient="helper"),
        MessageSent(sender="user", recipient="helper", role="user", content="down", name="user"),
        *[ErrorRaised(agent="helper", error_kind="connection", message=message, retryable=True) for _ in range(2)],
        ErrorRaised(agent="helper", error_kind="connection", message=message, retryable=False),
    ])
    set_run_status(studio_db, run_id, "failed", error=message)
    at = page("replay")
    at.query_params["run"] = str(run_id)
    at.run()
    at.button(key="replay.last").click().run()  # Replay opens at the start: draw it all
    assert [w.value for w in at.warning if message in w.value] == [f"**helper**: {message} (trying again)"]
    assert [e.value for e in at.error if message in e.value] == [f"**helper**: {message}"]
