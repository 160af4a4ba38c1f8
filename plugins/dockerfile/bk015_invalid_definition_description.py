"""A comment above `FROM ... AS name` or `ARG` that is not a description of it (BuildKit's experimental `InvalidDefinitionDescription`).

## What it does
`docker build --call=outline` and `--call=targets` show the comment right above a named
`FROM` or an `ARG` as its description when the comment starts with the stage or argument
name (`# VERSION the release to build`). This rule flags such a comment that starts with
anything else. A blank line or an empty `#` line between the comment and the instruction
makes it a plain comment; imagepolicy and hadolint pragmas are never descriptions.

Like BuildKit's experimental checks it is off unless asked for: name `BK015` in the
config's `rules`, or write `# check=experimental=InvalidDefinitionDescription` (or `all`).

## Why is this bad?
The outline shows a wrong or truncated description for the stage or argument.

## Example
```dockerfile
# check=experimental=InvalidDefinitionDescription
# a non-descriptive comment
FROM scratch AS base

# another non-descriptive comment
ARG VERSION=1
```

## Use instead
```dockerfile
# check=experimental=InvalidDefinitionDescription
# base is a stage for compiling source
FROM scratch AS base
# VERSION This is the version number.
ARG VERSION=1

# a plain comment

ARG OTHER=2
```

## References
- [BuildKit InvalidDefinitionDescription](https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import assignments, comments_before, escape_of, experimental_enabled


@rule("BK015", "invalid-definition-description", "info", "dockerfile",
      "Comment above a named FROM or an ARG does not start with its name (off unless enabled)",
      aliases=("InvalidDefinitionDescription",))
def check(dockerfile, ctx):
    if not experimental_enabled(dockerfile, ctx.config, "BK015", "InvalidDefinitionDescription"):
        return
    escape = escape_of(dockerfile)
    for instr in dockerfile.instructions:
        if instr.keyword == "FROM":
            stage = instr.stage
            names = [stage.name.lower()] if stage is not None and stage.name else []
        elif instr.keyword == "ARG":
            names = [key for key, _ in assignments(instr, escape)[0]]
        else:
            continue
        comments = comments_before(dockerfile, instr) if names else []
        if not comments or comments[-1].split(" ")[0] in names:
            continue
        example = names[0] if len(names) == 1 else "<arg_key>"
        yield Violation(
            f"Comment for {instr.keyword} should follow the format: `# {example} <description>`"
            f" (found `# {comments[-1]}`)",
            line=instr.line,
            fix=f"Start the comment with {example!r}, or put an empty line between it and the {instr.keyword}.",
        )
