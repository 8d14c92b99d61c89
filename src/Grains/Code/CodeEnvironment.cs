namespace Pyfi.Grains.Code;

/// <summary>A processor's code at one commit, checked out on this host with its Python environment.</summary>
/// <param name="Key">Identifies the (repository, commit, requirements) triple: environments with equal keys are the same.</param>
/// <param name="CheckoutPath">The working copy (the commit's files; no .git).</param>
/// <param name="Python">The environment's interpreter.</param>
/// <param name="Commit">The full commit id.</param>
public sealed record CodeEnvironment(string Key, string CheckoutPath, string Python, string Commit);

/// <summary>The code could not be fetched or made ready; the message says why, for the user.</summary>
public sealed class DeploymentException(string message) : PyfiException(message);
