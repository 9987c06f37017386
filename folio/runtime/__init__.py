"""Code that runs inside a post's kernel. It only emits display data; the build writes files."""
