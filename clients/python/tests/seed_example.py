# The seed's workflow example (docs/pyfi-overview.rst, issue 16), verbatim apart from its import of do_something_p,
# which becomes a Socket's .p. Run by test_seed.py; the C# test compares what it prints with the same workflow run
# from the .NET client and from `pyfi flow run -f`.
from pyfi.client.api import parallel, pipeline, funnel
from pyfi.client.api import Socket
do_something = Socket("pyfi.processors.sample.do_something").p
_pipeline = pipeline([do_something("One"), do_something("Two"), parallel([do_something("Four"), do_something("Five")]), do_something("Three")])
_parallel = parallel([_pipeline, do_something("Six"), do_something("Seven")])
_funnel = funnel([do_something("Eight"), _parallel, do_something("Nine")])
print("FUNNEL: ", _funnel(do_something("Four")).get())
