// The pure part of promote: which image goes where, and what is refused, from facts alone.
import { describe, expect, it } from 'vitest';
import { planPromotion, type Source } from './promote-plan.js';
import { promotedTag } from './promote-registry.js';

const ID = `sha256:${'a1'.repeat(32)}`;
const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack-staging-app';
const DIGEST_REF = `${REPO}@sha256:${'b2'.repeat(32)}`;
const fromStack = (appImage: unknown): Source => ({ stack: 'a', lastUpdate: { kind: 'update', result: 'succeeded', version: 2 }, appImage });
const docker = { stack: 'b', rules: { placement: 'docker' as const } };
const awsDev = { stack: 'b', rules: { placement: 'aws' as const, tier: 'dev' as const }, repository: REPO };
const awsProd = { stack: 'b', rules: { placement: 'aws' as const, tier: 'prod' as const }, repository: REPO };

describe('planPromotion', () => {
  it('Docker -> AWS: a local image id is pushed to the target repository under a tag named by the id', () => {
    expect(planPromotion(fromStack(ID), awsProd)).toEqual({ image: ID, push: { image: ID, repository: REPO, tag: promotedTag(ID) }, notes: [] });
    expect(promotedTag(ID)).toBe(`promoted-${'a1'.repeat(8)}`);
  });

  it('AWS -> AWS and AWS -> Docker: the registry digest is written untouched', () => {
    expect(planPromotion(fromStack(DIGEST_REF), awsProd)).toEqual({ image: DIGEST_REF, ref: DIGEST_REF, notes: [] });
    expect(planPromotion(fromStack(DIGEST_REF), docker).ref).toBe(DIGEST_REF);
  });

  it('Docker -> Docker: the id is written, with a note that the target needs the same engine', () => {
    expect(planPromotion(fromStack(ID), docker).notes).toEqual([`${ID} is a local image id: stack b must run on the Docker engine that has it`]);
  });

  it('a given reference (a rollback): a tag goes to a dev-tier or Docker stack, never to a prod-tier one', () => {
    expect(planPromotion({ image: `${REPO}:1.4.0` }, awsDev).ref).toBe(`${REPO}:1.4.0`);
    expect(planPromotion({ image: 'shortstack-app:dev' }, docker).ref).toBe('shortstack-app:dev');
    expect(() => planPromotion({ image: `${REPO}:1.4.0` }, awsProd)).toThrow(/^stack b refuses .*: shortstack:appImage must be a registry digest/);
    expect(() => planPromotion({ image: 'not an image' }, docker)).toThrow(/^--image not an image is no image reference/);
  });

  it('a source whose last update did not succeed, or that reports no digest, is refused', () => {
    expect(() => planPromotion({ stack: 'a', lastUpdate: { kind: 'update', result: 'failed' }, appImage: ID }, docker))
      .toThrow("stack a's last update ended failed: promote only what deployed cleanly (run pulumi up --stack a until it succeeds)");
    expect(() => planPromotion({ stack: 'a', lastUpdate: undefined, appImage: ID }, docker)).toThrow(/never been updated/);
    for (const v of [undefined, '', 'shortstack-app:dev', 42]) expect(() => planPromotion(fromStack(v), docker)).toThrow(/reports no app image digest/);
  });
});
