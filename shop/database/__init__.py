"""Shop's database backend (settings ENGINE "shop.database"): Django's PostgreSQL
backend, with the pool's hand-out check in `base.py`."""
