"""Wire and canonical models. The canonical form is OpenAI's chat-completions shape."""
