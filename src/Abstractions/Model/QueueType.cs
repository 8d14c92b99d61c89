namespace Pyfi;

/// <summary>How a queue routes the calls sent to it among the sockets bound to it (the original's AMQP exchange types).</summary>
[GenerateSerializer]
public enum QueueType
{
    /// <summary>Each call goes to the one socket it names.</summary>
    Direct,

    /// <summary>Calls are routed by a pattern over socket names.</summary>
    Topic,

    /// <summary>Each call is delivered to every socket bound to the queue.</summary>
    Fanout,
}
