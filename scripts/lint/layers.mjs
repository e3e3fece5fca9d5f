// A local ESLint rule that keeps each folder in its layer (the idea of VS Code's
// `local/code-layering`): every file belongs to the layer whose folder is the longest prefix of
// its path, and may import only what its layer's `allow` list names. The map itself lives in
// eslint.config.js, beside the rest of the lint policy; docs/architecture.md explains it.
//
// An `allow` entry is one of:
//   - a layer name: files of that layer, reached by a relative path or a path alias;
//   - 'node': Node's built-in modules (`node:fs`, `fs`, `fs/promises`);
//   - 'packages': any npm package that the layer's `deny` list does not name;
//   - a package name: that package (and its subpaths) only.
// Imports of repository files outside every layer (tests, scripts) are refused in a layer too:
// product code never depends on the test rig.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const builtins = new Set(builtinModules);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtins.has(packageName(specifier));
}

/** The repository path (forward slashes) an import names, or undefined for a package. */
function repoPath(specifier, importer, root, aliases) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return relative(root, resolve(dirname(importer), specifier))
      .split(sep)
      .join('/');
  }
  for (const [prefix, target] of aliases) {
    if (specifier === prefix || specifier.startsWith(`${prefix}/`)) {
      return target + specifier.slice(prefix.length);
    }
  }
  return undefined;
}

function layerOf(path, layers) {
  let best;
  for (const [name, layer] of Object.entries(layers)) {
    for (const folder of layer.folders) {
      const prefix = folder.endsWith('/') ? folder : `${folder}/`;
      if ((path === folder || path.startsWith(prefix)) && (!best || prefix.length > best.length)) {
        best = { name, length: prefix.length };
      }
    }
  }
  return best?.name;
}

/** Why `specifier` may not be imported from a file of `layerName`, or undefined when it may. */
function refusal(specifier, importer, layerName, options) {
  const { layers, root, aliases } = options;
  const layer = layers[layerName];
  const allow = new Set(layer.allow);
  const path = repoPath(specifier, importer, root, aliases);
  if (path !== undefined) {
    const target = layerOf(path, layers);
    if (target === layerName || (target && allow.has(target))) return undefined;
    return target ? `the ${target} layer` : `${path}, which is outside every layer`;
  }
  if (isBuiltin(specifier)) return allow.has('node') ? undefined : 'Node built-in modules';
  const name = packageName(specifier);
  if (allow.has(name)) return undefined;
  if (allow.has('packages') && !(layer.deny ?? []).includes(name)) return undefined;
  return `the package '${name}'`;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each folder imports only what its layer allows (see eslint.config.js)' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          aliases: { type: 'object', additionalProperties: { type: 'string' } },
          ignore: { type: 'array', items: { type: 'string' } },
          layers: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: {
                folders: { type: 'array', items: { type: 'string' } },
                allow: { type: 'array', items: { type: 'string' } },
                deny: { type: 'array', items: { type: 'string' } },
              },
              required: ['folders', 'allow'],
              additionalProperties: false,
            },
          },
        },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      refused:
        "The {{layer}} layer may not import '{{specifier}}' ({{what}}); it may import: {{allowed}}.",
    },
  },
  create(context) {
    const [raw] = context.options;
    const options = {
      root: raw.root,
      layers: raw.layers,
      aliases: Object.entries(raw.aliases ?? {}),
    };
    const file = relative(options.root, context.filename).split(sep).join('/');
    if ((raw.ignore ?? []).some((pattern) => new RegExp(pattern).test(file))) return {};
    const layer = layerOf(file, options.layers);
    if (!layer) return {};

    function check(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const what = refusal(node.value, context.filename, layer, options);
      if (what) {
        const allowed = [layer, ...options.layers[layer].allow].join(', ');
        context.report({
          node,
          messageId: 'refused',
          data: { layer, specifier: node.value, what, allowed },
        });
      }
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
      TSImportType: (node) => check(node.argument?.literal ?? node.argument),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') {
          check(node.arguments[0]);
        }
      },
    };
  },
};

export default { rules: { imports: rule } };
