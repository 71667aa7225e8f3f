from tests.consultation.conftest import archive  # noqa: F401 (the deposited test tree, shared with consultation)
