"""The app's stylesheet: parsed again only when its variables or its sources changed."""

from __future__ import annotations

from textual.css.stylesheet import CssSource, Stylesheet


class StylesheetParsedOnChange(Stylesheet):
    """Textual re-parses the whole stylesheet (every widget's default CSS and ours: 30-50 ms) each
    time a mode's screen is first shown, twice (``App._init_mode`` and ``App.switch_mode`` both
    call ``refresh_css``, since a new screen has seen no CSS update yet), with the same variables
    and the same sources, so the rules come out the same; and once more when a screen brings its
    own CSS (its ``CSS_PATH``). This one keeps its rules when neither changed since its last parse;
    new sources with the same variables are parsed alone (``parse`` takes the others' rules from
    its cache, which a change of variables empties); a theme (new variables) parses it all again."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._variables_now: dict[str, str] = dict(variables or {})
        self._parsed_from: tuple[tuple[tuple[str, str], ...], tuple[tuple[object, CssSource], ...]] | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables == self._variables_now:
            return  # would only throw away the parsed rules and the parse cache
        self._variables_now = dict(variables)
        super().set_variables(variables)

    def _inputs(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[object, CssSource], ...]]:
        return tuple(self._variables_now.items()), tuple(self.source.items())

    def parse(self) -> None:
        super().parse()
        self._parsed_from = self._inputs()

    def reparse(self) -> None:
        inputs = self._inputs()
        if inputs == self._parsed_from:
            return
        if self._parsed_from is not None and inputs[0] == self._parsed_from[0]:
            self.parse()  # the same variables: only the sources added since are parsed
        else:
            super().reparse()
        self._parsed_from = inputs
