namespace Pyfi.Grains.Runtimes;

/// <summary>How to start one worker process: it speaks the worker protocol (see <c>pyfi_worker.py</c>) on its stdin and stdout.</summary>
/// <param name="Program">The executable.</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="WorkingDirectory">Where it runs: the checkout.</param>
/// <param name="LoadFailure">What is said when the worker fails before its greeting: <c>module 'a.b' cannot be imported</c>.</param>
public sealed record WorkerLaunch(string Program, IReadOnlyList<string> Arguments, string WorkingDirectory, string LoadFailure);
