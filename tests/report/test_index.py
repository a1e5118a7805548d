"""index.html from plain cards: links relative to the index, thumbnails, the fallbacks for key
numbers and the headline figure. (The lab's own index is tested in tests/test_lab.py.)"""

import re

import torch
from PIL import Image

from minimaxlab.plots import save_image_grid
from minimaxlab.report.index import IndexCard, headline_figure, write_index
from minimaxlab.report.numbers import ShownNumber
from minimaxlab.runs import Run


def test_cards_fall_back_to_plain_summary_values_and_the_first_plain_figure(tmp_path):
    for name in ("curves/losses.png", "progress/epoch_001.png", "z/plot.png", "zz/later.png"):
        save_image_grid(torch.zeros(1, 1, 8, 8), tmp_path / "figures" / name, nrow=1)
    assert headline_figure(tmp_path) == tmp_path / "figures" / "z" / "plot.png"
    assert headline_figure(tmp_path, "figures/*/*.png") == tmp_path / "figures" / "zz" / "later.png"
    assert (
        headline_figure(tmp_path, "figures/none/*.png") == tmp_path / "figures" / "z" / "plot.png"
    )


def _finished_run(folder):
    run = Run.create("x", folder)
    run.write_config({"experiment": "x"})
    run.write_env({"device": "cpu"})
    run.report_path.write_text("<html></html>")
    save_image_grid(torch.zeros(1, 1, 8, 8), run.figure_path("plot.png"), nrow=1)
    return run


def test_the_index_shows_each_card_with_its_links_numbers_and_figure(tmp_path):
    done = _finished_run(tmp_path / "runs" / "done")
    broken = tmp_path / "runs" / "broken"
    broken.mkdir(parents=True)
    (broken / "error.txt").write_text("Traceback ...")
    cards = [
        IndexCard(
            "done",
            "A finished run.",
            "finished",
            seconds=75.0,
            run_dir=done.path,
            numbers=[ShownNumber("best value", "0.5", "0.25"), ShownNumber("epochs", "3")],
            figure=done.path / "figures" / "plot.png",
        ),
        IndexCard("broken", "A run that failed.", "failed", reason="it broke", run_dir=broken),
        IndexCard("absent", "Skipped.", "skipped", reason="needs data", notes=["a note"]),
    ]
    index = write_index(cards, tmp_path / "runs" / "index.html", profile="smoke", seconds=80.0)

    html = index.read_text()
    done_card = html.split('id="done">')[1].split("</section>")[0]
    assert 'href="done/report.html"' in done_card and "1 min 15 s" in done_card
    assert (
        '<th>best value</th><td class="num">0.5 <span class="floor">(real-data floor 0.25)'
        in done_card
    )
    assert '<th>epochs</th><td class="num">3</td>' in done_card  # no floor: nothing beside it
    assert 'src="data:image/png;base64,' in done_card and 'class="pixelated"' in done_card
    broken_card = html.split('id="broken">')[1].split("</section>")[0]
    assert 'href="broken/error.txt"' in broken_card and "it broke" in broken_card
    assert "report.html" not in broken_card
    absent_card = html.split('id="absent">')[1].split("</section>")[0]
    assert "needs data" in absent_card and "a note" in absent_card and "<img" not in absent_card
    assert "cpu" in html and "smoke" in html
    assert len(re.findall(r'<section class="card[^"]*" id=', html)) == 3


def test_a_wide_figure_gets_a_wide_card_and_a_bounded_thumbnail(tmp_path):
    run = _finished_run(tmp_path / "run")
    wide = run.figure_path("wide.png")
    Image.new("RGB", (3000, 400), "white").save(wide)
    card = IndexCard("w", "Wide.", "finished", run_dir=run.path, figure=wide)
    html = write_index([card], tmp_path / "index.html", profile="quick", seconds=1.0).read_text()
    assert '<section class="card wide" id="w">' in html
    assert 'class="pixelated"' not in html  # a plot, not a pixel grid
