using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Pyfi.Grains.Code;
using Pyfi.Grains.Model;
using Pyfi.Grains.Python;
using Pyfi.Grains.Storage;

namespace Pyfi.Grains.Processors;

/// <summary>
/// One processor (see <see cref="IProcessorGrain"/>). Deploying means: resolve the branch or pin to a commit
/// (fetching the repository), check that commit out with its Python environment on this host, and start a
/// worker that imports the module, so a broken repository, commit, requirement or module shows here as the
/// processor's error instead of in every call. The resolved commit is persisted: a restart runs the same code.
/// </summary>
[Reentrant]
public sealed partial class ProcessorGrain(
    [PersistentState("processor", StorageNames.Model)] IPersistentState<ProcessorState> state,
    CodeCache code,
    PythonWorkerPool workers,
    ILogger<ProcessorGrain> logger)
    : DefinitionGrain<ProcessorSpec, ProcessorState>(state), IProcessorGrain
{
    private readonly HashSet<string> _subscribers = new(StringComparer.Ordinal);
    private Task<ProcessorDeployment>? _deploying;

    // What was last published: the deployment in progress, or the one stored.
    private ProcessorDeployment? _current;

    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Definition is { } definition)
        {
            if (State.State.Deployment is { } deployment && deployment.Revision == definition.Stamp.Revision) Publish(deployment);
            else _ = StartDeployment(definition);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<ProcessorDeployment> GetDeploymentAsync(string? subscriber = null)
    {
        // Answered at once: a deployment (git, a venv, pip) may take far longer than any caller's grain call may
        // wait. A subscriber hears of its end (DeploymentChangedAsync).
        if (subscriber is not null) _subscribers.Add(subscriber);
        var definition = Definition ?? throw new NotFoundException("processor", Name);
        if (_deploying is { IsCompleted: false } && _current is { } deploying) return Task.FromResult(deploying);
        if (State.State.Deployment is { } deployment && deployment.Revision == definition.Stamp.Revision) return Task.FromResult(deployment);
        StartDeployment(definition).Ignore();
        return Task.FromResult(_current!);
    }

    /// <inheritdoc />
    public Task<ProcessorDeployment> RedeployAsync()
    {
        var definition = Definition ?? throw new NotFoundException("processor", Name);
        StartDeployment(definition).Ignore();
        return Task.FromResult(_current!);
    }

    /// <inheritdoc />
    public Task WakeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    protected override async Task OnDefinitionChangedAsync(Definition<ProcessorSpec>? previous, Definition<ProcessorSpec> current)
    {
        // A change that leaves the code alone (concurrency, enabled, status, hosts, memory) keeps the deployment;
        // where it may run and its workers' limits are the definition's.
        if (previous is not null && SameCode(previous.Spec, current.Spec) && State.State.Deployment is { Status: not ProcessorStatus.Deploying } kept)
        {
            var restamped = kept with { Revision = current.Stamp.Revision, Hosts = current.Spec.Hosts, Memory = current.Spec.Memory };
            State.State.Deployment = restamped;
            await WriteStateAsync();
            Publish(restamped);
            return;
        }

        _ = StartDeployment(current);
    }

    private static bool SameCode(ProcessorSpec a, ProcessorSpec b) =>
        a.Repository == b.Repository && a.Branch == b.Branch && a.Commit == b.Commit && a.Module == b.Module && a.Requirements == b.Requirements && a.Runtime == b.Runtime;

    private Task<ProcessorDeployment> StartDeployment(Definition<ProcessorSpec> definition)
    {
        var spec = definition.Spec;
        Publish(new ProcessorDeployment(Name, spec.Repository, spec.Module, null, spec.Requirements, ProcessorStatus.Deploying, null, definition.Stamp.Revision, spec.Hosts, spec.Memory, spec.Runtime));
        return _deploying = DeployAsync(definition);
    }

    private async Task<ProcessorDeployment> DeployAsync(Definition<ProcessorSpec> definition)
    {
        var spec = definition.Spec;
        ProcessorDeployment result;
        try
        {
            var commit = await code.ResolveAsync(spec);
            var candidate = new ProcessorDeployment(Name, spec.Repository, spec.Module, commit, spec.Requirements, ProcessorStatus.Ready, null, definition.Stamp.Revision, spec.Hosts, spec.Memory, spec.Runtime);
            var environment = await code.PrepareAsync(candidate);
            // Loading the module once proves the code runs, and leaves a warm worker for the first call.
            workers.Return(await workers.RentAsync(environment, spec.Runtime, spec.Module, workers.LimitsFor(spec.Memory)));
            result = candidate;
            LogDeployed(Name, commit);
        }
        catch (SiloStoppingException)
        {
            // Not the code's fault: the next activation (after the restart, or on another silo) deploys again.
            LogDeploymentStopped(Name);
            return new ProcessorDeployment(Name, spec.Repository, spec.Module, null, spec.Requirements, ProcessorStatus.Deploying, null, definition.Stamp.Revision, spec.Hosts, spec.Memory, spec.Runtime);
        }
        catch (Exception e)
        {
            var reason = e switch
            {
                DeploymentException => e.Message,
                PythonWorkerExitedException exited => $"{exited.Kind}: the worker importing module '{spec.Module}' ended: {exited.Message}",
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            result = new ProcessorDeployment(Name, spec.Repository, spec.Module, null, spec.Requirements, ProcessorStatus.Error, reason, definition.Stamp.Revision, spec.Hosts, spec.Memory, spec.Runtime);
            LogDeploymentFailed(Name, reason);
        }

        // A newer definition arrived meanwhile: its own deployment decides.
        if (Definition?.Stamp.Revision != definition.Stamp.Revision) return result;
        State.State.Deployment = result;
        await WriteStateAsync();
        Publish(result);
        return result;
    }

    private void Publish(ProcessorDeployment deployment)
    {
        _current = deployment;
        GrainFactory.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey).ReportDeploymentAsync(deployment).Ignore();
        foreach (var socket in _subscribers) GrainFactory.GetGrain<ISocketGrain>(socket).DeploymentChangedAsync(deployment).Ignore();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {Processor} deployed at {Commit}")]
    private partial void LogDeployed(string processor, string commit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {Processor}: its deployment stopped with the silo; it deploys again when it is next needed")]
    private partial void LogDeploymentStopped(string processor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor {Processor} cannot be deployed: {Reason}")]
    private partial void LogDeploymentFailed(string processor, string reason);
}
