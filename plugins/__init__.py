# Transitional, never installed (see plugins/pytest_chaos.py): lets editable installs made
# before the plugin's rename find the old entry point. TODO(h2): delete with pytest_chaos.py.
