using System.Text.Json;
using Pyfi.Protocol;
using Pyfi.Silo.Gateway;
using Xunit;

namespace Pyfi.Tests.Gateway;

/// <summary>
/// A request that leaves a field out gets the field's declared default, not zero (System.Text.Json's source generator
/// would set zero: a socket without "concurrency" ran nothing, one without "maxQueued" held nothing).
/// </summary>
[Trait("Category", "Fast")]
public sealed class RequestDefaultsTests
{
    private readonly RequestDefaults _defaults = new();

    private T Read<T>(string json) => PyfiJson.Deserialize<T>(_defaults.Complete<T>(JsonDocument.Parse(json).RootElement))!;

    [Fact]
    public void ASocketWithOnlyItsNamesGetsTheDeclaredDefaults()
    {
        var socket = Read<SocketSpec>("""{"name":"s","queue":"q","processor":"p","function":"f"}""");

        Assert.Equal(1, socket.Concurrency);
        Assert.Equal(SocketSpec.DefaultMaxQueued, socket.MaxQueued);
        Assert.Equal(RetryPolicy.Default.MaxAttempts, socket.Retry.MaxAttempts);
        Assert.Equal(RetryPolicy.Default.Multiplier, socket.Retry.Multiplier);
        Assert.Null(socket.Timeout);
    }

    [Fact]
    public void WhatARequestSaysIsKeptWhateverItsCase()
    {
        var socket = Read<SocketSpec>("""{"name":"s","queue":"q","processor":"p","function":"f","MaxQueued":5,"concurrency":3,"retry":{"maxAttempts":7}}""");

        Assert.Equal(5, socket.MaxQueued);
        Assert.Equal(3, socket.Concurrency);
        Assert.Equal(7, socket.Retry.MaxAttempts);
        // The nested policy's other fields are its defaults, not zero.
        Assert.Equal(RetryPolicy.Default.Multiplier, socket.Retry.Multiplier);
        Assert.Equal(RetryPolicy.Default.InitialBackoff, socket.Retry.InitialBackoff);
        Assert.Equal(RetryPolicy.Default.Jitter, socket.Retry.Jitter);
    }

    [Fact]
    public void AWorkflowsStepsAtEveryDepthGetTheirLists()
    {
        var graph = Read<FlowStep>("""{"kind":"funnel","steps":[{"kind":"call","socket":"a"},{"kind":"pipeline","steps":[{"kind":"call","socket":"b"}]}],"final":{"kind":"call","socket":"c"}}""");

        Assert.False(graph.Steps[0].Steps.IsDefault);
        Assert.Empty(graph.Steps[0].Steps);
        Assert.Equal("[]", graph.Steps[0].Args);
        Assert.Empty(graph.Steps[1].Steps[0].Steps);
        Assert.Empty(graph.Final!.Steps);
    }

    [Fact]
    public void ARequestThatLacksNothingIsReadAsItCame()
    {
        var json = JsonDocument.Parse("""{"name":"s","queue":"q","processor":"p","function":"f","concurrency":2,"maxQueued":9,"retry":{"maxAttempts":1,"initialBackoff":"00:00:01","multiplier":2,"maxBackoff":"00:01:00","jitter":0.2,"nonRetryable":[]},"partitions":1}""").RootElement;

        Assert.Equal(json.GetRawText(), _defaults.Complete<SocketSpec>(json).GetRawText());
    }
}
