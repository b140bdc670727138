// Fixture of the docs_snippets_detects_drift test: a marked region that the page misquotes.
int main() {
  // snippet-begin: body
  int x = 1;
  return x - 1;
  // snippet-end: body
}
