import unittest

from support import env, run_python

# What the original (Celery's chain/group/chord) gives for the seed's example with do_something(message, *args) =
# "Message: " + message + " " + each arg: worked out by hand (test/Pyfi.Tests/Workflows/WorkflowTests.SeedResult).
SEED_RESULT = ("Message: ['Message: Eight', [\"Message: ['Message: Message: Message: One Two Four', "
               "'Message: Message: Message: One Two Five'] Three\", 'Message: Six', 'Message: Seven'], 'Message: Nine'] Four")


class SeedExampleTests(unittest.TestCase):
    def test_the_seeds_example_runs_with_only_its_import_changed_and_prints_what_the_original_would(self):
        env("PYFI_GATEWAY")
        run = run_python("seed_example.py")

        self.assertEqual("", run.stderr)
        self.assertEqual("FUNNEL:  " + SEED_RESULT + "\n", run.stdout)


if __name__ == "__main__":
    unittest.main()
