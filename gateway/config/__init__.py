"""Configuration, decided before anything starts: the model catalog (``catalog.py``, its routing
part in ``routing.py``), server settings (``settings.py``), loading both (``loading.py``), the
server's own secrets (``secrets.py``) and the one error all of them raise (``errors.py``)."""
