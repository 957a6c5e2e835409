"""Exporting a run to read elsewhere: Markdown, a self-contained HTML page (images embedded), JSON.

The JSON is storage's ``RunDocument`` (re-importable); Markdown and HTML are for people.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

from components.coding.extract import content_str
from components.events import (
    Artifact,
    ChatFinished,
    CodeFinished,
    CodeStarted,
    ErrorRaised,
    InputGiven,
    InputRequested,
    MessageSent,
    Notice,
    SpeakerSelected,
    ToolResult,
)
from storage import Database
from storage.eventlog import StoredEvent, events_after
from storage.runs import RunInfo, get_run, run_snapshot
from storage.transfer import export_run
from studio.render.avatars import agent_color
from studio.render.run_header import format_cost, format_duration, usage_totals
from studio.render.safe_markdown import code_block, safe_markdown
from studio.runs.files import RunFiles

_EMBED_LIMIT = 5 * 1024 * 1024


def run_json(db: Database, run_id: int) -> str:
    return export_run(db, run_id).model_dump_json(indent=2)


def _image_data_uri(files: RunFiles, work_dir: str, artifact: Artifact) -> str | None:
    """An image artifact as a data URI, read from the run's own folder (never through a link)."""
    if not artifact.mime.startswith("image/"):
        return None
    data = files.read(work_dir, artifact, limit=_EMBED_LIMIT)
    return f"data:{artifact.mime};base64,{base64.b64encode(data).decode()}" if data is not None else None


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


def _summary_lines(run: RunInfo) -> list[tuple[str, str]]:
    totals = usage_totals(run)
    duration = (run.finished_at - run.started_at) if run.started_at and run.finished_at else 0
    return [
        ("Team", run.team), ("Task", run.task), ("Status", run.status), ("Started", _when(run.started_at)),
        ("Duration", format_duration(duration)), ("Tokens in / out", f"{totals.prompt_tokens:,} / {totals.completion_tokens:,}"),
        ("Cost", format_cost(totals.cost)),
    ]


# -- Markdown ----------------------------------------------------------------------------------------------
# Everything but our own template goes through ``safe_markdown`` (no remote image, no raw HTML) and code
# through ``code_block`` (a fence the content cannot close), so a Markdown viewer fetches nothing.
def run_markdown(db: Database, run_id: int, data_dir: Path) -> str:
    """The run for people, as Markdown; images come from the run's folder under ``data_dir``."""
    run = get_run(db, run_id)
    files = RunFiles.of(data_dir, run_id)
    lines = [safe_markdown(f"# Run #{run.id}: {run.team}"), ""]
    lines += [f"- **{k}:** {safe_markdown(str(v))}" for k, v in _summary_lines(run)]
    if run.error:
        lines.append(f"- **Error:** {safe_markdown(run.error)}")
    lines.append("")
    for stored in events_after(db, run_id, 0):
        lines += _markdown_event(stored, files)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_event(stored: StoredEvent, files: RunFiles) -> list[str]:
    event = stored.event
    md = safe_markdown
    match event:
        case MessageSent():
            text = content_str(event.content) if event.content is not None else ""
            calls = "".join(
                f"\n\n_calls `{c.get('function', {}).get('name')}` with_ `{c.get('function', {}).get('arguments')}`"
                for c in event.tool_calls or []
            )
            return [md(f"### {event.sender} → {event.recipient}"), "", md(text + calls), ""]
        case SpeakerSelected():
            return [md(f"_next speaker: {event.speaker} ({event.reason})_"), ""]
        case CodeStarted():
            return [md(f"**{event.agent}** runs {event.language} code:"), "", code_block(event.code, _info(event.language)), ""]
        case CodeFinished():
            out = [f"Exit code {event.exit_code} after {event.duration_s:.2f} s:", "", code_block(event.output.rstrip(), "text"), ""]
            for artifact in event.artifacts:
                uri = _image_data_uri(files, event.work_dir, artifact)
                name = md(artifact.path).replace("]", "\\]")
                out += [f"![{name}]({uri})" if uri else md(f"- file `{artifact.path}` ({artifact.size} bytes)"), ""]
            return out
        case ToolResult():
            return [md(f"**{event.agent}** ran tool `{event.name}` → `{event.content}`"), ""]
        case InputRequested():
            return [md(f"> **{event.agent}** asks the human: {event.prompt}"), ""]
        case InputGiven():
            return [md(f"> human: {event.text or '(empty: auto-reply)'}"), ""]
        case ErrorRaised():
            return [md(f"**Error** ({event.error_kind}): {event.message}"), ""]
        case Notice():
            return [md(f"_Note: {event.message}_"), ""]
        case ChatFinished():
            return [md(f"**Finished:** {event.reason}"), "", md(f"**Summary:** {event.summary}") if event.summary.strip() else "", ""]
    return []


def _info(language: str) -> str:
    """A code fence's info string: a language name only (anything else could end the fence line)."""
    return language if language.replace("+", "").replace("-", "").isalnum() else ""


# -- HTML --------------------------------------------------------------------------------------------------
_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:920px;margin:2rem auto;padding:0 1rem;color:#1f2330;background:#fff}
h1{font-size:1.5rem}table.meta td{padding:2px 12px 2px 0;vertical-align:top}table.meta td:first-child{color:#6b7080}
.msg{border-left:4px solid var(--c);background:#f7f8fc;border-radius:8px;padding:.6rem .9rem;margin:.7rem 0}
.who{font-weight:700;color:var(--c)}.to{color:#8a8fa3;font-weight:400}
pre{background:#1f2330;color:#e8e9f0;padding:.7rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap}
.note{color:#6b7080;font-size:.9rem;margin:.3rem 0}.code{border:1px solid #e3e5ee;border-radius:8px;padding:.5rem .8rem;margin:.7rem 0}
.ok{color:#15803d}.fail{color:#b91c1c}.err{background:#fef2f2;border:1px solid #fecaca;border-radius:8px;padding:.5rem .8rem}
img{max-width:100%;border:1px solid #e3e5ee;border-radius:6px;margin:.4rem 0}
"""


def run_html(db: Database, run_id: int, data_dir: Path) -> str:
    """One HTML file that renders offline: styles inline, images embedded as data URIs."""
    run = get_run(db, run_id)
    files = RunFiles.of(data_dir, run_id)
    members = run_snapshot(db, run_id).speaking_members()
    e = html.escape
    rows = "".join(f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in _summary_lines(run))
    body = [f"<h1>Run #{run.id}: {e(run.team)}</h1>", f'<table class="meta">{rows}</table>']
    if run.error:
        body.append(f'<p class="err">{e(run.error)}</p>')
    for stored in events_after(db, run_id, 0):
        body.append(_html_event(stored, members, files))
    title = e(f"Roundtable run #{run.id}: {run.team}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_CSS}</style></head>'
        f'<body>{"".join(body)}<p class="note">Exported from Roundtable.</p></body></html>'
    )


def _html_event(stored: StoredEvent, members: list[str], files: RunFiles) -> str:
    e = html.escape
    event = stored.event
    match event:
        case MessageSent():
            text = content_str(event.content) if event.content is not None else ""
            calls = "".join(
                f'<p class="note">calls <code>{e(str(c.get("function", {}).get("name")))}</code> with '
                f'<code>{e(str(c.get("function", {}).get("arguments")))}</code></p>'
                for c in event.tool_calls or []
            )
            color = agent_color(event.sender, members)
            return (
                f'<div class="msg" style="--c:{color}"><div class="who">{e(event.sender)} '
                f'<span class="to">→ {e(event.recipient)}</span></div>{_text_html(text)}{calls}</div>'
            )
        case SpeakerSelected():
            return f'<p class="note">next speaker: <b>{e(event.speaker)}</b> ({e(event.reason)})</p>'
        case CodeStarted():
            return f'<div class="code"><p class="note">{e(event.agent)} runs {e(event.language)} code</p><pre>{e(event.code)}</pre></div>'
        case CodeFinished():
            css = "ok" if event.exit_code == 0 else "fail"
            parts = [f'<div class="code"><p class="{css}">exit code {event.exit_code} · {event.duration_s:.2f} s</p>']
            if event.output.strip():
                parts.append(f"<pre>{e(event.output)}</pre>")
            for artifact in event.artifacts:
                uri = _image_data_uri(files, event.work_dir, artifact)
                parts.append(f'<img alt="{e(artifact.path)}" src="{uri}">' if uri else f'<p class="note">file {e(artifact.path)}</p>')
            return "".join(parts) + "</div>"
        case ToolResult():
            return f'<p class="note">{e(event.agent)} ran tool <code>{e(event.name)}</code>: <code>{e(event.content)}</code></p>'
        case InputRequested():
            return f'<p class="note"><b>{e(event.agent)}</b> asks the human: {e(event.prompt)}</p>'
        case InputGiven():
            return f'<p class="note">human: {e(event.text) or "(empty: auto-reply)"}</p>'
        case ErrorRaised():
            return f'<p class="err">{e(event.error_kind)}: {e(event.message)}</p>'
        case Notice():
            return f'<p class="note">{e(event.message)}</p>'
        case ChatFinished():
            summary = f"<p><b>Summary:</b> {e(event.summary)}</p>" if event.summary.strip() else ""
            return f'<p class="ok"><b>Finished:</b> {e(event.reason)}</p>{summary}'
    return ""


def _text_html(text: str) -> str:
    """Message text with fenced code blocks as <pre>, the rest as paragraphs (no external renderer)."""
    out, code, in_code = [], [], False
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            if in_code:
                out.append(f"<pre>{html.escape(chr(10).join(code))}</pre>")
                code = []
            in_code = not in_code
        elif in_code:
            code.append(line)
        else:
            out.append(html.escape(line) + "<br>")
    if code:
        out.append(f"<pre>{html.escape(chr(10).join(code))}</pre>")
    return "".join(out)


def export_all(db: Database, run_id: int, data_dir: Path) -> dict[str, str]:
    """Every export format, keyed by file extension."""
    return {
        "md": run_markdown(db, run_id, data_dir), "html": run_html(db, run_id, data_dir), "json": run_json(db, run_id),
    }

