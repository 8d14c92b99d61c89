namespace Pyfi;

/// <summary>What runs a processor's code: which language its module is in, and so what a function of it is.</summary>
[GenerateSerializer]
public enum ProcessorRuntime
{
    /// <summary>A Python module (<c>-m pkg.mod</c>); a function is one of its callables.</summary>
    Python,

    /// <summary>A Node.js module (<c>-m lib/text.js</c>, or a package folder in the repository); a function is one of its exports.</summary>
    Node,

    /// <summary>A folder of the repository (<c>-m bin/</c>); a function is an executable script in it (<c>-t resize.sh</c>).</summary>
    Bash,
}
