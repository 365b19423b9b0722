import type { Digest } from '../../../core/domain/digest';
import type { ImageRecord } from '../../../core/domain/image-record';
import { imageKey } from '../../../core/domain/image-ref';
import { scopePrefix } from '../../../core/domain/image-scope';
import type { ImageKeyParts } from '../../../app/ports/verdict-store';

/** Key layout of the verdict table (infra/constructs/verdict-table.ts); a spoke's image has its scope in the key. */
export const imageItemKey = (image: ImageKeyParts): { pk: string; sk: string } => ({
  pk: `image#${imageKey(image)}`,
  sk: 'verdict',
});

export const tagItemKey = (
  image: Pick<ImageKeyParts, 'repository' | 'scope'>,
  tag: string,
): { pk: string; sk: string } => ({
  pk: `tag#${scopePrefix(image.scope)}${image.repository}:${tag}`,
  sk: 'tag',
});

export interface TagItem {
  readonly pk: string;
  readonly sk: string;
  readonly digest: Digest;
  readonly updatedAt: string;
}

/** The record as stored: the ImageRecord plus its key, flat so rules and consoles can read it. */
export type ImageItem = ImageRecord & { readonly pk: string; readonly sk: string };

export const toItem = (record: ImageRecord): ImageItem => ({ ...imageItemKey(record.image), ...record });

export const fromItem = (item: Record<string, unknown>): ImageRecord => {
  const { pk: _pk, sk: _sk, ...record } = item as unknown as ImageItem;
  return record;
};
