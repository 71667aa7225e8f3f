"""Vitam's functional suite (ProgrammeVitam/vitam-itests, ../shared/vitam-itests) replayed against vitam-lite.

The figure is printed in the terminal summary (pytest captures the test's own output)."""

summary_lines: list[str] = []


def pytest_terminal_summary(terminalreporter):
    for line in summary_lines:
        terminalreporter.write_sep("=", line)
