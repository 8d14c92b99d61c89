"""Counts test outcomes in the TRX files under a folder: prints "N passed, N failed[, N skipped]", and the
name of each failed test with the first lines of its message on stderr (so the end of a CI log says what
failed and why). A run with no results at all
(the build failed, the runner crashed) counts as one failure."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
files = glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True)
for path in files:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = result.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome in ("NotExecuted", "Inconclusive"):
            skipped += 1
        else:
            failed += 1
            print(f"failed: {result.get('testName')}", file=sys.stderr)
            message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
            for line in (message.text or "").strip().splitlines()[:6] if message is not None else []:
                print(f"    {line[:300]}", file=sys.stderr)
if not files:
    failed = 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
