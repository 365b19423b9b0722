import { dirname, relative, resolve } from 'node:path';
import { LAYERS, layerOf } from './layers.mjs';

// What the core may not reach: the AWS SDK, and Node's modules that do I/O.
const IMPURE = /^(@aws-sdk\/|(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|tls)$)/;

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

/**
 * One rule: an import may point inward (core ← app ← adapters ← entry points), never outward. Type-only imports
 * count too: a core type that names an adapter's type still depends on it.
 */
export const layerDirection = {
  meta: {
    type: 'problem',
    docs: { description: 'imports point inward: core ← app ← adapters ← functions, cli, local, infra' },
    messages: {
      upward:
        '{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}): imports point inward, core ← app ← adapters ← entry points (docs/architecture.md)',
      unmapped: '{{file}} is in no layer: give it one in scripts/eslint/layers.mjs',
      impure:
        '{{from}} is in the core, which does no I/O and imports no SDK: {{source}} belongs in an adapter',
    },
    schema: [],
  },
  create(context) {
    const file = relative(ROOT, context.filename);
    const fromLayer = layerOf(file);
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string') return;
      if (!source.startsWith('.')) {
        if (fromLayer === 'core' && IMPURE.test(source)) {
          context.report({ node, messageId: 'impure', data: { from: file, source } });
        }
        return;
      }
      const target = relative(ROOT, resolve(dirname(context.filename), source));
      const candidates = [`${target}.ts`, `${target}/index.ts`, target];
      const toLayer = candidates.map(layerOf).find((layer) => layer !== undefined);
      if (fromLayer === undefined || toLayer === undefined) return;
      if (LAYERS.indexOf(toLayer) > LAYERS.indexOf(fromLayer)) {
        context.report({ node, messageId: 'upward', data: { from: file, fromLayer, to: target, toLayer } });
      }
    };
    return {
      Program(node) {
        if (file.startsWith('shared/') && fromLayer === undefined) {
          context.report({ node, messageId: 'unmapped', data: { file } });
        }
      },
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
    };
  },
};

export const tollgatePlugin = { rules: { 'layer-direction': layerDirection } };
