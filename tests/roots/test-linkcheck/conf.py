"""A one-page site whose links point at a server the test starts on 127.0.0.1 (port: PORT)."""

extensions = ["myst_parser"]
exclude_patterns = ["_build"]

linkcheck_timeout = 0.5  # the "slow" page answers after 3 s
linkcheck_retries = 1
linkcheck_workers = 2
linkcheck_rate_limit_timeout = 1.0
linkcheck_anchors = False
# Like doi.org -> publisher on the real site: this redirect is expected, so it counts as working.
linkcheck_allowed_redirects = {r"http://127\.0\.0\.1:\d+/moved": r"http://127\.0\.0\.1:\d+/good"}
