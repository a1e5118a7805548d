from PIL import Image

from minimaxlab.vae.figures import plot_rate_distortion


def test_the_plane_is_drawn_for_both_encoders(tmp_path):
    path = tmp_path / "plane.png"
    plot_rate_distortion(
        {"gaussian": [(0.3, 20.0, 240.0), (3.0, 5.0, 270.0)], "echo": [(0.3, 18.0, 245.0)]}, path
    )
    with Image.open(path) as image:
        assert image.width > 300 and image.height > 200
