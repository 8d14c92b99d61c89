using System.Net;
using System.Net.Sockets;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// Claims what a silo must not share with another silo on the same host: its data folder and its ports.
/// Orleans listens with SO_REUSEPORT, so a second silo on the same ports would start without error and
/// split the clients between two networks; and two embedded silos on one SQLite file would fight over it.
/// </summary>
internal sealed class ExclusiveResources : IDisposable
{
    private readonly FileStream _lock;

    private ExclusiveResources(FileStream folderLock) => _lock = folderLock;

    /// <summary>Locks <paramref name="dataPath"/> and checks that the ports are free; throws <see cref="InvalidSpecException"/> saying which is taken.</summary>
    public static ExclusiveResources Claim(string dataPath, IPAddress address, params (int Port, string Setting)[] ports)
    {
        Directory.CreateDirectory(dataPath);
        FileStream folderLock;
        try
        {
            // FileShare.None takes an exclusive flock: released by the OS however the process ends.
            folderLock = new FileStream(Path.Combine(dataPath, "silo.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidSpecException($"the data folder {Path.GetFullPath(dataPath)} is in use by another silo; give each silo its own PYFI_DATA");
        }

        try
        {
            foreach (var (port, setting) in ports) EnsureFree(address, port, setting);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }

        return new ExclusiveResources(folderLock);
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    /// <summary>Throws <see cref="InvalidSpecException"/> naming <paramref name="setting"/> when someone listens on <paramref name="port"/>.</summary>
    public static void EnsureFree(IPAddress address, int port, string setting)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Without SO_REUSEPORT this bind fails while anyone listens there, Orleans included.
            probe.Bind(new IPEndPoint(address, port));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidSpecException($"port {port} ({setting}) is already in use, perhaps by another silo; choose another with {setting}");
        }
    }
}
