"""``python -m imagepolicy``: the same as the ``imagepolicy`` command.

``-m`` puts the working directory (in CI: the checkout under review) first on ``sys.path``; the
package's ``__init__`` takes it off while ``-m`` locates it, before importing anything else, and
this module makes sure, so a checkout's ``yaml.py`` or ``pluggy.py`` cannot shadow a dependency.
(Only ``python -P``/``-I`` or the console script also keep it from shadowing ``imagepolicy`` itself.)
"""

from .tree import drop_working_directory_from_sys_path

drop_working_directory_from_sys_path()

from .launch import run  # noqa: E402 - after sys.path is cleaned

run()
