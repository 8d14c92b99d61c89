using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// The network's catalogue of queues, processors and sockets: the one place definitions are added,
/// changed and removed, and the index that <c>pyfi ls</c> reads. It checks names and references in one
/// place, so a socket never points at a missing queue or processor, and it pushes each committed change
/// to the grain that owns the definition (<see cref="IQueueGrain"/>, <see cref="IProcessorGrain"/>,
/// <see cref="ISocketGrain"/>). Use the grain with key <see cref="DefaultKey"/>.
/// </summary>
public interface IRegistryGrain : IGrainWithStringKey
{
    /// <summary>Key of the network's registry.</summary>
    public const string DefaultKey = "default";

    /// <summary>Adds a queue. Throws <see cref="AlreadyExistsException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "add queues")]
    Task<QueueInfo> AddQueueAsync(QueueSpec spec);

    /// <summary>Changes a queue. Throws <see cref="NotFoundException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "change queues")]
    Task<QueueInfo> UpdateQueueAsync(string name, QueueUpdate update);

    /// <summary>Deletes a queue no socket uses. Throws <see cref="NotFoundException"/> or <see cref="InUseException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "delete queues")]
    Task DeleteQueueAsync(string name);

    /// <summary>One queue. Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Read, "read queues")]
    [ReadOnly] Task<QueueInfo> GetQueueAsync(string name);

    /// <summary>Every queue, by name.</summary>
    [ClientAccess(PyfiPermission.Read, "list queues")]
    [ReadOnly] Task<ImmutableArray<QueueInfo>> ListQueuesAsync();

    /// <summary>Adds a processor. Throws <see cref="AlreadyExistsException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Develop, "add processors")]
    Task<ProcessorInfo> AddProcessorAsync(ProcessorSpec spec);

    /// <summary>Changes a processor. Throws <see cref="NotFoundException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Develop, "change processors")]
    Task<ProcessorInfo> UpdateProcessorAsync(string name, ProcessorUpdate update);

    /// <summary>Deletes a processor no socket uses. Throws <see cref="NotFoundException"/> or <see cref="InUseException"/>.</summary>
    [ClientAccess(PyfiPermission.Develop, "delete processors")]
    Task DeleteProcessorAsync(string name);

    /// <summary>One processor. Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Read, "read processors")]
    [ReadOnly] Task<ProcessorInfo> GetProcessorAsync(string name);

    /// <summary>Every processor, by name.</summary>
    [ClientAccess(PyfiPermission.Read, "list processors")]
    [ReadOnly] Task<ImmutableArray<ProcessorInfo>> ListProcessorsAsync();

    /// <summary>
    /// Records a processor's deployment (status, commit, error), for listings. One-way, so a processor may
    /// report while the registry is waiting on it.
    /// </summary>
    [OneWay] Task ReportDeploymentAsync(ProcessorDeployment deployment);

    /// <summary>Adds a socket on an existing queue and processor. Throws <see cref="AlreadyExistsException"/>, <see cref="NotFoundException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "add sockets")]
    Task<SocketInfo> AddSocketAsync(SocketSpec spec);

    /// <summary>Changes a socket. Throws <see cref="NotFoundException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "change sockets")]
    Task<SocketInfo> UpdateSocketAsync(string name, SocketUpdate update);

    /// <summary>Deletes a socket. Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "delete sockets")]
    Task DeleteSocketAsync(string name);

    /// <summary>One socket. Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Read, "read sockets")]
    [ReadOnly] Task<SocketInfo> GetSocketAsync(string name);

    /// <summary>Every socket, by name.</summary>
    [ClientAccess(PyfiPermission.Read, "list sockets")]
    [ReadOnly] Task<ImmutableArray<SocketInfo>> ListSocketsAsync();

    /// <summary>
    /// Adds a plug between two existing sockets. Throws <see cref="AlreadyExistsException"/>, <see cref="NotFoundException"/>
    /// or <see cref="InvalidSpecException"/> (also for a plug that would close a cycle without a hop limit: the cycle is named).
    /// </summary>
    [ClientAccess(PyfiPermission.Operate, "add plugs")]
    Task<PlugInfo> AddPlugAsync(PlugSpec spec);

    /// <summary>Changes a plug. Throws <see cref="NotFoundException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "change plugs")]
    Task<PlugInfo> UpdatePlugAsync(string name, PlugUpdate update);

    /// <summary>Deletes a plug (calls it already made stay). Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "delete plugs")]
    Task DeletePlugAsync(string name);

    /// <summary>One plug. Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Read, "read plugs")]
    [ReadOnly] Task<PlugInfo> GetPlugAsync(string name);

    /// <summary>Every plug, by name.</summary>
    [ClientAccess(PyfiPermission.Read, "list plugs")]
    [ReadOnly] Task<ImmutableArray<PlugInfo>> ListPlugsAsync();

    /// <summary>
    /// Adds a schedule of an existing socket. Throws <see cref="AlreadyExistsException"/>, <see cref="NotFoundException"/>
    /// or <see cref="InvalidSpecException"/> (also for a cron expression or time zone that cannot be read).
    /// </summary>
    [ClientAccess(PyfiPermission.Operate, "add schedules")]
    Task<ScheduleInfo> AddScheduleAsync(ScheduleSpec spec);

    /// <summary>Changes a schedule (pausing and resuming it too). Throws <see cref="NotFoundException"/> or <see cref="InvalidSpecException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "change schedules")]
    Task<ScheduleInfo> UpdateScheduleAsync(string name, ScheduleUpdate update);

    /// <summary>Deletes a schedule (calls it already made stay). Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Operate, "delete schedules")]
    Task DeleteScheduleAsync(string name);

    /// <summary>One schedule, with where it is. Throws <see cref="NotFoundException"/>.</summary>
    [ClientAccess(PyfiPermission.Read, "read schedules")]
    [ReadOnly] Task<ScheduleInfo> GetScheduleAsync(string name);

    /// <summary>Every schedule, by name, with where each is.</summary>
    [ClientAccess(PyfiPermission.Read, "list schedules")]
    [ReadOnly] Task<ImmutableArray<ScheduleInfo>> ListSchedulesAsync();

    /// <summary>Activates every schedule, so each fires and makes up missed slots now (a silo started).</summary>
    Task WakeSchedulesAsync();

    /// <summary>
    /// Makes the network what <paramref name="network"/> declares (<c>pyfi apply -f</c>), checked and changed in one turn
    /// of the registry: every definition is checked (its fields, duplicate names, references to what is neither declared
    /// nor, without <paramref name="prune"/>, in the network, plug cycles without a hop limit, allowed repositories) and,
    /// if any is wrong, the plan comes back with every problem and nothing is changed. Otherwise the additions and
    /// changes (as updates: a socket keeps its calls) and, with <paramref name="prune"/>, the deletions of what the file
    /// lacks are committed in one write, unless <paramref name="dryRun"/>. Applying the same network again changes
    /// nothing. The caller's role must hold what each change needs (processors: develop; the rest: operate), dry run
    /// or not, else <see cref="NotAllowedException"/> and nothing is changed.
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "apply network files", ChecksRole = true)]
    Task<NetworkPlan> ApplyNetworkAsync(NetworkSpec network, bool prune, bool dryRun);

    /// <summary>Every definition, by kind and name (<c>pyfi export</c>): what <see cref="ApplyNetworkAsync"/> of it changes nothing with.</summary>
    [ClientAccess(PyfiPermission.Read, "export the network")]
    [ReadOnly] Task<NetworkSpec> ExportNetworkAsync();
}
