"""The suite's pytest configuration: `user_project/` is a user's project with its own tests,
run by `test_user_project.py` in a subprocess (its pytest.ini names its spec), not collected
here."""

collect_ignore = ["user_project"]
