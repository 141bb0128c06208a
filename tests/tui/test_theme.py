"""Entities and search hits follow the theme: component classes on theme variables, resolved once per theme."""

from __future__ import annotations

import itertools

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES, Theme

from newsreader.tui.look import CLASSIC, LABEL_CLASSES
from newsreader.tui.theme import MIN_CONTRAST, MIN_GAP, VARIABLES, contrast, distance, theme_colours
from newsreader.tui.widgets.article_view import Paragraph

from .conftest import reader, settle
from .test_flows import SIZE, parts

ENTITY_VARIABLES = [name for name in VARIABLES if name.startswith("entity-")]


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_every_theme_keeps_entity_types_apart_and_readable(name):
    variables = BUILTIN_THEMES[name].to_color_system().generate()
    colours = theme_colours(variables)
    assert set(colours) == set(VARIABLES)
    parsed = {k: Color.parse(v) for k, v in colours.items()}
    if Color.parse(variables["background"]).ansi is not None:  # the terminal's own named colours
        assert len({v for k, v in colours.items() if k in ENTITY_VARIABLES}) == len(ENTITY_VARIABLES)
        return
    background = Color.parse(variables["background"])
    for a, b in itertools.combinations(ENTITY_VARIABLES, 2):
        assert distance(parsed[a], parsed[b]) >= MIN_GAP, (a, b, colours[a], colours[b])
    for key in VARIABLES:
        assert contrast(parsed[key], background) >= MIN_CONTRAST - 0.01, (key, colours[key])
    assert distance(parsed["search-hit"], parsed["search-current-hit"]) >= MIN_GAP


async def test_default_theme_draws_the_classic_look(reader_library):
    """The command line prints with CLASSIC; the reader's default theme resolves to exactly the same styles."""
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.look == CLASSIC


async def test_switching_theme_restyles_entities_and_hits(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        bar.set_query("esper")
        await settle(pilot, 0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert view.article is not None and view.hits

        def styles_drawn() -> set:
            return {span.style for para in view.query(Paragraph) for span in para.content.spans}

        old = app.look
        assert {old.entity("PERSON"), old.hit} <= styles_drawn()
        app.theme = "nord"
        await settle(pilot)
        new = app.look
        for label in LABEL_CLASSES:
            assert new.entity(label).color.triplet != old.entity(label).color.triplet
        assert new.hit.color.triplet != old.hit.color.triplet and new.hit.reverse
        drawn = styles_drawn()
        assert {new.entity("PERSON"), new.hit} <= drawn and old.entity("PERSON") not in drawn and old.hit not in drawn
        pane_styles = {cell.style for option in pane.options.options if option.id
                       for cell in option.prompt.columns[0].cells}
        assert new.entity("PERSON") in pane_styles and old.entity("PERSON") not in pane_styles


async def test_a_theme_may_set_its_own_entity_colours(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.register_theme(Theme("mine", primary="#88c0d0", dark=True, variables={"entity-person": "#123456"}))
        app.theme = "mine"
        await settle(pilot)
        assert app.look.entity("PERSON").color.triplet.hex == "#123456"
        derived = theme_colours(app.get_theme("mine").to_color_system().generate())
        assert app.look.entity("ORG").color.triplet == Color.parse(derived["entity-organisation"]).rich_color.triplet
