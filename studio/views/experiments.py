"""Experiments: task sets, a grid of teams x models x a task set with repeats, and the scored results."""

from __future__ import annotations

import streamlit as st

from storage.designs import list_models, list_teams, resolve_team
from storage.errors import StorageError
from storage.experiments import (
    create_experiment,
    experiment_cells,
    get_experiment,
    get_task_set,
    list_experiments,
    list_task_sets,
    request_experiment_stop,
    save_task_set,
    task_set_versions,
)
from studio.auth import current_actor
from studio.experiments.plan import PlanError, plan_experiment
from studio.experiments.tasks_csv import (
    COLUMNS,
    TaskCsvError,
    parse_tasks_csv,
    tasks_from_rows,
    tasks_to_csv,
    tasks_to_rows,
)
from studio.render import experiment_results as results
from studio.render.safe_markdown import safe_markdown
from studio.state import database, experiment_running_here, run_engine, start_experiment
from studio.ui import viewer_reason

KEY = "experiments"
db, engine = database(), run_engine()
actor = current_actor()

st.title("Experiments")
st.caption("Which team, model or prompt does a job best, and at what cost? Run a task set over teams x models, "
           "score every run, compare the columns.")
tab_results, tab_new, tab_sets = st.tabs(["Results", "New experiment", "Task sets"])


def _problems(title: str, problems: list[str]) -> None:
    st.error(title + "\n\n" + "\n".join(f"- {safe_markdown(p)}" for p in problems))


with tab_sets:
    sets = list_task_sets(db)
    names = ["New task set"] + [s.name for s in sets]
    picked = st.selectbox("Task set", names, key=f"{KEY}.set")
    current = get_task_set(db, picked) if picked != "New task set" else None
    if current is not None:
        st.caption(f"Version {current.version} of {len(task_set_versions(db, current.name))}; saving changes stores "
                   "a new version (experiments keep the version they ran).")
    name = st.text_input("Name", value=current.name if current else "", key=f"{KEY}.set_name.{picked}")
    rows = tasks_to_rows(current.tasks) if current else [dict.fromkeys(COLUMNS, "") | {"equals": False,
                                                                                          "code_ran": False}]
    edited = st.data_editor(rows, num_rows="dynamic", use_container_width=True, key=f"{KEY}.editor.{picked}",
                            column_config={
                                "task": st.column_config.TextColumn("task", required=True, width="large"),
                                "equals": st.column_config.CheckboxColumn("equals expected"),
                                "code_ran": st.column_config.CheckboxColumn("code ran"),
                                "optional": st.column_config.TextColumn(
                                    "optional", help="checks that do not fail the run, e.g. judge,file"),
                            })
    if st.button("Save task set", type="primary", key=f"{KEY}.save_set", icon=":material/save:"):
        try:
            saved = save_task_set(db, name, tasks_from_rows(list(edited)))
        except TaskCsvError as exc:
            _problems("The tasks cannot be saved:", exc.problems)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.success(f'Saved "{saved.name}" version {saved.version} ({len(saved.tasks)} tasks).')
    if current is not None:
        st.download_button("Download as CSV", tasks_to_csv(current.tasks), file_name=f"{current.name}.csv",
                           mime="text/csv", key=f"{KEY}.set_csv")
    with st.expander("Upload a CSV", icon=":material/upload:"):
        st.caption(f"Columns: {', '.join(COLUMNS)} (only task is required; equals and code_ran take yes or no).")
        upload = st.file_uploader("Tasks CSV", type=["csv"], key=f"{KEY}.upload")
        upload_name = st.text_input("Store as", placeholder="the file's name", key=f"{KEY}.upload_name")
        if upload is not None and st.button("Import tasks", key=f"{KEY}.import"):
            try:
                saved = save_task_set(db, upload_name.strip() or upload.name.rsplit(".", 1)[0],
                                      parse_tasks_csv(upload.getvalue(), upload.name))
            except TaskCsvError as exc:
                _problems(f"{upload.name} cannot be used:", exc.problems)
            except ValueError as exc:
                st.error(str(exc))
            else:
                st.success(f'Stored "{saved.name}" version {saved.version} ({len(saved.tasks)} tasks).')

with tab_new:
    teams, models, sets = list_teams(db, actor), list_models(db, actor), list_task_sets(db)
    if not teams or not sets:
        st.info("An experiment needs a team (Teams page) and a task set (the Task sets tab).")
    else:
        with st.form(f"{KEY}.new"):
            chosen_teams = st.multiselect("Teams", [t.name for t in teams], key=f"{KEY}.teams")
            chosen_models = st.multiselect("Models (one column each; none: each team as designed)",
                                           [m.name for m in models], key=f"{KEY}.models")
            agents = sorted({a.name for t in teams for a in resolve_team(db, t.name).agents if a.model})
            replace = st.multiselect("Replace the model of (none: every agent's and the manager's)", agents,
                                     key=f"{KEY}.agents")
            set_name = st.selectbox("Task set", [s.name for s in sets], key=f"{KEY}.task_set")
            cols = st.columns(3)
            version = cols[0].number_input("Version (0: newest)", min_value=0, value=0, key=f"{KEY}.version")
            repeats = cols[1].number_input("Repeats", min_value=1, max_value=100, value=1, key=f"{KEY}.repeats")
            judge = cols[2].selectbox("Judge model", ["(none)"] + [m.name for m in models], key=f"{KEY}.judge")
            exp_name = st.text_input("Experiment name", key=f"{KEY}.name")
            go = st.form_submit_button("Start experiment", type="primary", icon=":material/science:",
                                       disabled=not actor.may_run, help=viewer_reason(actor))
        if go:
            try:
                task_set = get_task_set(db, set_name, int(version) or None)
                spec = plan_experiment(db, list(chosen_teams), task_set, models=list(chosen_models),
                                       replace_agents=list(replace) or None, repeats=int(repeats),
                                       judge=None if judge == "(none)" else judge, actor=actor)
                experiment = create_experiment(db, exp_name, spec, actor)
            except (PlanError, StorageError, ValueError) as exc:
                st.error(f"The experiment cannot start: {exc}")
            else:
                start_experiment(experiment.id)
                st.query_params["experiment"] = str(experiment.id)
                st.rerun()

with tab_results:
    experiments = list_experiments(db, actor=actor)
    if not experiments:
        st.info("No experiments yet: start one in the New experiment tab.")
        st.stop()
    linked = st.query_params.get("experiment")
    ids = [e.id for e in experiments]
    default = ids.index(int(linked)) if linked and linked.isdigit() and int(linked) in ids else 0
    chosen = st.selectbox("Experiment", experiments, index=default, key=f"{KEY}.experiment",
                          format_func=lambda e: f"#{e.id} {e.name} · {e.status}")
    running = chosen.status in ("created", "running")

    @st.fragment(run_every=1.0 if running else None)
    def live() -> None:
        experiment = get_experiment(db, chosen.id)
        cells = experiment_cells(db, experiment.id)
        tasks = get_task_set(db, experiment.spec.task_set, experiment.spec.task_set_version).tasks
        done = sum(c.status == "scored" for c in cells)
        spec = experiment.spec
        st.caption(f"{experiment.status} · {done} of {len(cells)} runs scored · task set {spec.task_set} "
                   f"v{spec.task_set_version} · {spec.repeats} repeat(s) · teams "
                   + ", ".join(f"{t.name} ({t.version})" for t in spec.teams))
        if experiment.error:
            st.text(experiment.error)
        if running and experiment.status not in ("created", "running"):
            st.rerun()  # it ended: draw the page once more without the timer
        results.matrix(experiment, cells, tasks)
        results.totals(experiment, cells)
        with st.expander("Against a baseline", icon=":material/compare_arrows:", expanded=True):
            results.baseline(experiment, cells, tasks)
        with st.expander("One run's score", icon=":material/rule:"):
            results.run_score(experiment, cells)
        results.exports(experiment, cells, tasks)

    live()
    if running:
        buttons = st.columns(2)
        if buttons[0].button("Stop experiment", key=f"{KEY}.stop", icon=":material/stop_circle:"):
            request_experiment_stop(db, chosen.id)
            st.rerun()
        if not experiment_running_here(chosen.id) and buttons[1].button(
                "Resume here", key=f"{KEY}.resume", icon=":material/play_arrow:",
                help="Its scheduler is not running in this studio (it was restarted): start the runs left."):
            start_experiment(chosen.id)
            st.rerun()
    with st.expander("Two runs side by side", icon=":material/view_column:"):
        results.side_by_side(db, chosen, experiment_cells(db, chosen.id), engine.data_dir)
