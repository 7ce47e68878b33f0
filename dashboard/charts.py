"""Small SVG charts drawn on the server: no JavaScript, nothing fetched, crisp on any screen.

`bar_chart(labels, series)` draws vertical bars, stacked when there is more than one series
(e.g. incidents per week by category). Colours come from CSS classes `series-0`...`series-7`
(dashboard.css), so a chart follows the page's style. The SVG scales to its container
(viewBox); pair it with a data table for screen readers and exact numbers.
"""
from dataclasses import dataclass
from math import ceil, log10

from markupsafe import Markup, escape

MAX_SERIES_CLASSES = 8


@dataclass(frozen=True)
class Series:
    name: str
    values: list


def nice_ceiling(value):
    """A round axis maximum at or above `value`: 1, 2, 5, 10, 20, 50..."""
    if value <= 0:
        return 1
    magnitude = 10 ** int(log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def axis_scale(top_value, *, whole_numbers=True, ticks=4):
    """(axis maximum, tick step) with round steps (1, 2, 5 x 10^n) and about `ticks` ticks."""
    step = nice_ceiling(top_value / ticks) if top_value > 0 else 1
    if whole_numbers:
        step = max(1, int(step))
    return (ceil(top_value / step) * step if top_value > 0 else step), step


def bar_chart(labels, series, *, title, width=400, height=210, label_every=None, whole_numbers=True):
    """An SVG bar chart as Markup. `series`: a list of Series (stacked in order) or of numbers."""
    if series and not isinstance(series[0], Series):
        series = [Series(str(title), list(series))]
    count = len(labels)
    if any(len(s.values) != count for s in series):
        raise ValueError("every series needs one value per label")
    totals = [sum(s.values[i] for s in series) for i in range(count)]
    axis_max, step = axis_scale(max(totals, default=0), whole_numbers=whole_numbers)
    # Room for the longest axis label (a price of 10000 needs more than a count of 12).
    left, right, top, bottom = max(34, 8 * len(f"{axis_max:g}") + 8), 6, 16, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(count, 1)
    bar_w = max(2.0, slot * 0.7)
    label_every = label_every or max(1, ceil(count / 8))

    def y(value):
        return top + plot_h - plot_h * value / axis_max

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(int(round(axis_max / step)) + 1):  # a gridline at every step
        value = step * tick
        ty = y(value)
        shown = f"{value:g}" if value == int(value) else f"{value:.1f}"
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{ty + 4:.1f}" text-anchor="end">{shown}</text>')
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar_w) / 2
        base = 0
        for index, s in enumerate(series):
            value = s.values[i]
            if value:
                y_top, y_bottom = y(base + value), y(base)
                parts.append(
                    f'<rect class="bar series-{index % MAX_SERIES_CLASSES}" x="{x:.1f}" y="{y_top:.1f}" '
                    f'width="{bar_w:.1f}" height="{max(0.0, y_bottom - y_top):.1f}">'
                    f"<title>{escape(label)}: {escape(s.name)} {value}</title></rect>")
            base += value
        if totals[i] and bar_w >= 12:
            parts.append(f'<text class="value" x="{x + bar_w / 2:.1f}" y="{y(totals[i]) - 3:.1f}" '
                         f'text-anchor="middle">{totals[i]}</text>')
        if i % label_every == 0:
            parts.append(f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line class="baseline" x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(labels, values, *, title, width=400, bar_height=22, label_width=110):
    """Horizontal bars, one per label (e.g. incidents per county): long names stay readable
    on a phone, where vertical bars would need slanted labels. An SVG as Markup."""
    gap, top, right = 6, 4, 34
    height = top * 2 + max(1, len(labels)) * (bar_height + gap)
    plot_w = width - label_width - right
    top_value = max(values, default=0) or 1
    parts = [
        f'<svg class="chart hbar" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + i * (bar_height + gap)
        shown = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text class="axis" x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" '
                     f'text-anchor="end">{escape(shown)}</text>')
        w = plot_w * value / top_value
        parts.append(f'<rect class="bar series-0" x="{label_width}" y="{y}" width="{max(0.0, w):.1f}" '
                     f'height="{bar_height}"><title>{escape(label)}: {value}</title></rect>')
        parts.append(f'<text class="value" x="{label_width + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}">'
                     f'{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
