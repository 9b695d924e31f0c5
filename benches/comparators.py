#!/usr/bin/env python3
"""Optional comparators for benches/compare.sh: other PII scanners on a
sample of the same corpus, one line at a time, on one core.

    benches/comparators.py presidio|datafog CORPUS_DIR SAMPLE_BYTES

Prints one line: the scanner, the bytes read, the seconds, MB/s and the
number of matches; or, when the scanner is not installed, why it was
skipped (exit code 3). The sample is the corpus's first files in path
order, whole lines, up to SAMPLE_BYTES: these scanners run at a few MB/s,
so a sample keeps the script short; MB/s is what they would reach on
more of the same.

- presidio: Microsoft Presidio's pattern recognizers: the analyzer's
  default recognizers for English (credit card, SSN, ITIN, passport,
  licence, bank account, NHS, crypto wallet, date, email, IBAN, IP, MAC,
  UUID, URL, phone) but the NLP one, each run on each line as Presidio's
  analyzer runs it, without the spaCy model (which the pattern
  recognizers do not use, and which would make it far slower).
- datafog: DataFog's regex annotator on each line.
"""

import os
import sys
import time


def sample_lines(root, limit):
    """The corpus's lines, files in path order, up to `limit` bytes."""
    paths = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        paths.extend(os.path.join(folder, n) for n in sorted(names) if not n.startswith("."))
    lines, total = [], 0
    for path in sorted(paths):
        with open(path, "rb") as f:
            for raw in f:
                if total + len(raw) > limit:
                    return lines, total
                lines.append(raw.decode("utf-8", errors="replace"))
                total += len(raw)
    return lines, total


def presidio():
    """Presidio's pattern recognizers as a function of one text."""
    try:
        from presidio_analyzer import PatternRecognizer, RecognizerRegistry
        import tldextract
    except ImportError as e:
        return None, f"presidio-analyzer is not installed ({e}; pip install presidio-analyzer)"
    # The email recognizer checks domains with tldextract, which would
    # fetch the public suffix list: its bundled copy, offline.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"])
    # The analyzer's default recognizers for English but the NLP one.
    recognizers = [
        r
        for r in registry.recognizers
        if isinstance(r, PatternRecognizer) or type(r).__name__ == "PhoneRecognizer"
    ]

    def scan(text):
        n = 0
        for r in recognizers:
            n += len(r.analyze(text, r.supported_entities, None) or [])
        return n

    return scan, f"{len(recognizers)} recognizers"


def datafog():
    """DataFog's regex annotator as a function of one text."""
    try:
        from datafog.processing.text_processing.regex_annotator import RegexAnnotator
    except ImportError as e:
        return None, f"datafog is not installed ({e}; pip install datafog)"
    annotator = RegexAnnotator()

    def scan(text):
        found = annotator.annotate(text)
        return sum(len(v) for v in found.values())

    return scan, "regex annotator"


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("presidio", "datafog"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    which, root, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    scan, what = {"presidio": presidio, "datafog": datafog}[which]()
    if scan is None:
        print(f"{which}: skipped: {what}")
        return 3
    lines, total = sample_lines(root, limit)
    started = time.perf_counter()
    matches = sum(scan(line) for line in lines)
    seconds = time.perf_counter() - started
    print(
        f"{which} ({what}): {total} bytes in {seconds:.2f} s, "
        f"{total / 1e6 / seconds:.2f} MB/s, {matches} matches"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
