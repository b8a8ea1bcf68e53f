"""Report pages as a reader sees them: a headless Chromium screenshot, checked to show
something (charts drawn, not a blank or single-colour page).

Chromium comes from the distribution (`make chromium`); where it is absent or cannot start,
the test is skipped with the reason, never passed silently.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def screenshot(page: Path, out: Path, *, width: int = 1280, height: int = 2000) -> Path:
    """The PNG of `page` in a window of width × height; skips the test where Chromium
    cannot start."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed (make chromium installs it as root)")
    profile = out.parent / f"{out.stem}-profile"
    profile.mkdir(parents=True, exist_ok=True)
    try:
        run = subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={width},{height}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"chromium could not start: {exc}")
    if not out.exists():
        pytest.skip(f"chromium could not start (exit {run.returncode}): {run.stderr[-500:]}")
    return out


def assert_shows_charts(png: Path, *, min_colours: int = 500, min_coloured: float = 0.01) -> None:
    """The picture is not blank: many distinct colours, no single colour covering nearly
    all of it, and a share of saturated pixels (bars, lines, markers; text is grey)."""
    image = Image.open(png).convert("RGB")
    pixels = image.width * image.height
    colours = image.getcolors(maxcolors=pixels) or []
    dominant = max(count for count, _ in colours)
    coloured = sum(count for count, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)
    assert len(colours) >= min_colours, f"{png.name}: only {len(colours)} colours"
    assert dominant / pixels < 0.95, f"{png.name}: {dominant / pixels:.0%} one colour"
    assert coloured / pixels >= min_coloured, f"{png.name}: {coloured / pixels:.2%} in colour"
