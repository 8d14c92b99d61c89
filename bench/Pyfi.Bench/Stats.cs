using System.Diagnostics;

namespace Pyfi.Bench;

/// <summary>Timings of repeated operations, summarised.</summary>
public static class Stats
{
    /// <summary>Runs <paramref name="operation"/> <paramref name="times"/> times; returns each duration in ms.</summary>
    public static async Task<double[]> TimeAsync(int times, Func<Task> operation)
    {
        var samples = new double[times];
        for (var i = 0; i < times; i++)
        {
            var watch = Stopwatch.StartNew();
            await operation();
            samples[i] = watch.Elapsed.TotalMilliseconds;
        }

        return samples;
    }

    /// <summary>The <paramref name="p"/>-th percentile (0..1) of <paramref name="samples"/>.</summary>
    public static double Percentile(double[] samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[(int)Math.Round(p * (sorted.Length - 1))];
    }
}
