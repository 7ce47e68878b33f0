"""The server-side SVG chart helper and the weekly buckets of the overview."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.charts import Series, bar_chart, nice_ceiling
from dashboard.views import weekly_counts


@pytest.mark.parametrize("value,expected", [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (45, 50), (51, 100),
                                            (2000, 2000)])
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == expected


def test_bar_heights_are_proportional_and_labels_escaped():
    svg = str(bar_chart(["a<b", "w2", "w3"], [5, 10, 0], title="Weekly <test>"))
    assert svg.startswith("<svg") and "Weekly &lt;test&gt;" in svg and "a&lt;b" in svg
    heights = [float(h) for h in re.findall(r'<rect class="bar series-0"[^>]* height="([\d.]+)"', svg)]
    assert len(heights) == 2  # a zero bar draws nothing
    assert heights[1] == pytest.approx(2 * heights[0])


def test_stacked_series_use_their_own_colours():
    svg = str(bar_chart(["w1", "w2"], [Series("collapse", [1, 2]), Series("flood", [3, 0])], title="t"))
    assert svg.count("series-0") == 2 and svg.count("series-1") == 1
    assert "w1: flood 3" in svg


def test_series_lengths_must_match_the_labels():
    with pytest.raises(ValueError):
        bar_chart(["w1"], [Series("a", [1, 2])], title="t")


def test_weekly_counts_buckets_by_monday():
    now = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)  # a Wednesday
    stamps = [now, now - timedelta(days=2), now - timedelta(days=3), now - timedelta(weeks=11),
              now - timedelta(weeks=13)]
    weeks = weekly_counts(stamps, now=now)
    assert len(weeks) == 12
    assert weeks[-1] == (datetime(2026, 11, 23).date(), 2)  # Monday 23rd: Wednesday and Monday
    assert weeks[-2][1] == 1  # Sunday 22nd belongs to the week before
    assert weeks[0][1] == 1 and sum(n for _w, n in weeks) == 4  # 13 weeks ago is outside


@pytest.mark.parametrize("top,expected", [(0, (1, 1)), (1, (1, 1)), (3, (3, 1)), (4, (4, 1)), (7, (8, 2)),
                                          (10, (10, 5)), (23, (30, 10)), (180, (200, 50))])
def test_axis_uses_whole_round_steps(top, expected):
    from dashboard.charts import axis_scale

    assert axis_scale(top) == expected


def test_gridlines_are_whole_numbers_for_counts():
    svg = str(bar_chart(["w1", "w2"], [1, 0], title="t"))
    ticks = re.findall(r'<text class="axis" x="\d+" y="[\d.]+" text-anchor="end">([^<]+)</text>', svg)
    assert ticks == ["0", "1"]
