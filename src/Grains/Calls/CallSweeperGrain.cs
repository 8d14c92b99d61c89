using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Calls;

/// <summary>
/// Finds stranded calls and expired ones (see <see cref="ICallSweeperGrain"/>). The reminder is the durable
/// backstop (it fires after any restart, on whichever silo holds the grain); the silos' start and membership
/// changes are the fast path (<see cref="Hosting.ClusterRecovery"/>). Sweeps do not overlap: one that is asked for while
/// another runs joins it.
/// </summary>
[Reentrant]
public sealed partial class CallSweeperGrain(CallStore calls, IOptions<PyfiRuntimeOptions> options, TimeProvider time, ILogger<CallSweeperGrain> logger)
    : Grain, ICallSweeperGrain, IRemindable
{
    private const string Reminder = "sweep";
    private const int DeleteBatch = 5000;

    private Task<int>? _sweeping;

    /// <inheritdoc />
    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await SweepAsync();
    }

    /// <inheritdoc />
    public Task<int> SweepAsync()
    {
        // Joined while running; never cached once done. (`_sweeping ??= RunAsync()` with the field cleared in
        // RunAsync's finally would keep a sweep that ended before the assignment, and every later sweep would
        // return its old result without running.)
        if (_sweeping is { IsCompleted: false } running) return running;
        return _sweeping = RunAsync();
    }

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Reminder) await SweepAsync();
    }

    private async Task<int> RunAsync()
    {
        try
        {
            var resumed = 0;
            LogSweepStarted();
            var sockets = await calls.SocketsWithOpenCallsAsync();
            if (sockets.Count > 0) LogSweeping(sockets.Count);
            foreach (var socket in sockets)
            {
                try
                {
                    await GrainFactory.GetGrain<ISocketGrain>(socket).ResumeAsync();
                    resumed++;
                }
                catch (Exception e)
                {
                    LogResumeFailed(e, socket);
                }
            }

            // Ended calls whose plugs' calls were not all made (a crash between the end and the delivery).
            foreach (var socket in await calls.SocketsWithDeliveriesAsync())
            {
                try
                {
                    await GrainFactory.GetGrain<IPlugDeliveryGrain>(socket).ResumeAsync();
                }
                catch (Exception e)
                {
                    LogResumeFailed(e, socket);
                }
            }

            // Workflows whose silo was lost are brought back now (their reminder would take up to a minute).
            foreach (var flow in await calls.WorkflowsWithOpenCallsAsync())
            {
                try
                {
                    await GrainFactory.GetGrain<IWorkflowGrain>(flow).ResumeAsync();
                }
                catch (Exception e)
                {
                    LogResumeFlowFailed(e, flow);
                }
            }

            var cutoff = time.GetUtcNow() - options.Value.Retention;
            int removed, total = 0;
            do
            {
                removed = await calls.DeleteEndedBeforeAsync(cutoff, DeleteBatch);
                total += removed;
            }
            while (removed == DeleteBatch);

            if (total > 0) LogRemoved(total, options.Value.Retention);
            LogSweepEnded(resumed);
            return resumed;
        }
        catch (Exception e)
        {
            LogSweepFailed(e);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sweep started")]
    private partial void LogSweepStarted();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sweep ended: {Count} socket(s) took up their calls")]
    private partial void LogSweepEnded(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {Count} socket(s) have calls not ended; asking each to take them up")]
    private partial void LogSweeping(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Socket {Socket} could not take up its stranded calls")]
    private partial void LogResumeFailed(Exception exception, string socket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow} could not be taken up")]
    private partial void LogResumeFlowFailed(Exception exception, Guid flow);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} calls that ended more than {Retention} ago")]
    private partial void LogRemoved(int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The call sweep failed; the next one tries again")]
    private partial void LogSweepFailed(Exception exception);
}
