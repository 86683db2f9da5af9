"""Shop's date and time formats (settings: FORMAT_MODULE_PATH), over the locale's own."""
