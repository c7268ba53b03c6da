"""The usage screen: what the history's API calls used and cost over 7 days, 30 days or all time.

Charts on the left (cost and tokens by day as sparklines, cost and tokens by model as bars), the same
figures as tables on the right; the totals and the price table above. The figures are
``claude-textual usage``'s (``store/ledger.py``), read in a worker (``session/usage.py``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static

from claude_textual.core.context import short
from claude_textual.core.describe import money, share
from claude_textual.core.model import Totals
from claude_textual.core.sanitize import inert
from claude_textual.session.usage import PERIODS, Report, report

if TYPE_CHECKING:
    from claude_textual.store.history import History

BAR = 16
"""Cells of the longest bar in the by-model chart."""
NAME = 18
"""Cells of a model's name in the chart and the table."""
COLUMNS = ("calls", "input", "read", "output", "cost")


def fill(table: DataTable, first: str, rows: dict[str, tuple[Text, ...]]) -> None:
    """Put ``rows`` (by key) in ``table``, each column as wide as its widest cell, fixed before the rows
    go in: a DataTable measures its columns when idle, and a header drawn before then kept its labels'
    widths over the wider rows."""
    table.clear(columns=True)
    for n, label in enumerate((first, *COLUMNS)):
        table.add_column(label, width=max([len(label), *(cells[n].cell_len for cells in rows.values())]))
    for key, cells in rows.items():
        table.add_row(*cells, key=key)


def tokens(t: Totals) -> int:
    return t.input_tokens + t.cache_creation_input_tokens + t.cache_read_input_tokens + t.output_tokens


def row(t: Totals) -> tuple[Text, ...]:
    """A table row's cells (Text: a cell given as a string would be read as markup)."""
    prompt = t.input_tokens + t.cache_creation_input_tokens + t.cache_read_input_tokens
    cells = (f"{t.records:,}", short(prompt), short(t.cache_read_input_tokens), short(t.output_tokens))
    return (*(Text(c, justify="right") for c in cells), Text(money(t.cost_usd), justify="right"))


def model_bars(models: list[Totals]) -> Text:
    """Two bars a model: cost (accent) and tokens (dim), each scaled to the largest."""
    if not models:
        return Text("No API calls in this period.", style="dim")
    top_cost = max((m.cost_usd or 0.0) for m in models) or 1.0
    top_tokens = max(tokens(m) for m in models) or 1
    lines = []
    for m in models:
        name = inert(m.key or "(no model)")[:NAME]
        cost_cells = round(BAR * (m.cost_usd or 0.0) / top_cost)
        token_cells = round(BAR * tokens(m) / top_tokens)
        line = Text(f"{name:<{NAME}} ")
        line.append("█" * cost_cells + " " * (BAR - cost_cells), style="bold green")
        line.append(f" {money(m.cost_usd)}\n{'':<{NAME}} ")
        line.append("▆" * token_cells + " " * (BAR - token_cells), style="blue")
        line.append(f" {short(tokens(m))} tokens")
        lines.append(line)
    return Text("\n").join(lines)


class UsageScreen(Screen[None]):
    DEFAULT_CSS = """
    UsageScreen { layout: vertical; }
    UsageScreen #usage-head { height: auto; padding: 0 1; background: $panel; }
    UsageScreen #usage-body { height: 1fr; }
    UsageScreen #usage-charts { width: 1fr; padding: 0 1; }
    UsageScreen #usage-tables { width: 68; padding: 0 1; }
    UsageScreen .chart-title { color: $text-muted; margin-top: 1; }
    UsageScreen Sparkline { height: 4; }
    UsageScreen DataTable { height: auto; max-height: 50%; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Back"),
        Binding("1", "period('7d')", "7 days"),
        Binding("2", "period('30d')", "30 days"),
        Binding("3", "period('all')", "All time"),
    ]

    def __init__(self, store: History, today: date | None = None) -> None:
        """``today`` (UTC) ends the periods: today's date unless a test fixes it."""
        super().__init__()
        self.store = store
        self.today = today
        self.report: Report | None = None
        """The figures on screen (None until the first are read)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="usage-head"):
            yield Static(id="usage-periods", markup=False)
            yield Static("Reading the history…", id="usage-total", markup=False)
        with Horizontal(id="usage-body"):
            with VerticalScroll(id="usage-charts"):
                yield Static("Cost by day", classes="chart-title")
                yield Sparkline([], id="cost-by-day")
                yield Static(id="cost-caption", markup=False)
                yield Static("Tokens by day", classes="chart-title")
                yield Sparkline([], id="tokens-by-day")
                yield Static(id="tokens-caption", markup=False)
                yield Static("By model: cost, then tokens", classes="chart-title")
                yield Static(id="model-bars", markup=False)
            with VerticalScroll(id="usage-tables"):
                yield DataTable(id="by-day", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="by-model", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.action_period("7d")

    def action_period(self, period: str) -> None:
        self.query_one("#usage-periods", Static).update(
            "   ".join(f"[{label}]" if key == period else f" {label} " for key, (label, _) in PERIODS.items())
            + "    (1 2 3 choose · Esc back)"
        )
        self.load(period)

    @work(exclusive=True, exit_on_error=False, group="usage")
    async def load(self, period: str) -> None:
        try:
            figures = await report(self.store, period, self.today)
        except Exception as exc:  # a locked or broken history: say so, keep the screen
            self.query_one("#usage-total", Static).update(inert(f"The usage could not be read: {exc}"))
            return
        self.show(figures)

    def show(self, figures: Report) -> None:
        self.report = figures
        total = figures.total
        unpriced = f" · {total.unpriced_records:,} without a price" if total.unpriced_records else ""
        self.query_one("#usage-total", Static).update(
            f"{total.records:,} calls · {short(tokens(total))} tokens · cache {share(total.cache_share)} "
            f"of input read · {money(total.cost_usd)}{unpriced} · prices: {figures.prices}, "
            "as on each call's day (UTC)"
        )
        days = figures.by_day
        self.query_one("#cost-by-day", Sparkline).data = [d.cost_usd or 0.0 for d in days]
        self.query_one("#tokens-by-day", Sparkline).data = [float(tokens(d)) for d in days]
        span = f"{days[0].key} … {days[-1].key}" if days else ""
        top_cost = max((d.cost_usd or 0.0 for d in days), default=0.0)
        self.query_one("#cost-caption", Static).update(f"{span} · highest {money(top_cost)} a day")
        top_tokens = max((tokens(d) for d in days), default=0)
        self.query_one("#tokens-caption", Static).update(f"{span} · highest {short(top_tokens)} a day")
        self.query_one("#model-bars", Static).update(model_bars(figures.by_model))
        fill(
            self.query_one("#by-day", DataTable),
            "day",
            {d.key: (Text(d.key), *row(d)) for d in reversed(days)},
        )
        by_model = {
            m.key: (Text(inert(m.key or "(no model)")[:NAME], overflow="ellipsis"), *row(m))
            for m in figures.by_model
        }
        fill(self.query_one("#by-model", DataTable), "model", by_model)
