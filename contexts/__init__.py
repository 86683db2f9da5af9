"""Shop's bounded contexts: cart, sales, invoicing, shipping."""
