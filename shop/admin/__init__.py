"""Shop's back-office: the admin site with its dashboard, and how the pages show
customers. Each context's pages live in its own `admin` module."""
