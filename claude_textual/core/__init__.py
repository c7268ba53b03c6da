"""The core: conversation model, streaming, requests, client. No Textual, and the SDK only on demand."""
