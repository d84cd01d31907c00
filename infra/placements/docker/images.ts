// Images for the Docker placement: pinned remote images pulled once each, and the app built
// from app/Dockerfile. Containers get the image id, so they follow a new pull or a rebuild.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Image } from '@pulumi/docker/image.js';
import { RemoteImage } from '@pulumi/docker/remoteImage.js';
import type * as pulumi from '@pulumi/pulumi';
import { withoutDigest } from '../../topology/images.js';
import type { ImageRef } from '../../topology/types.js';

/**
 * The repository root. Pulumi runs the program from `main` (infra/), not from where
 * Pulumi.yaml is, so build paths are made absolute from here.
 */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fromRoot = (p: string) => (isAbsolute(p) ? p : join(REPO_ROOT, p));

export class ImageCatalog {
  private readonly pinned = new Map<string, RemoteImage>();
  private readonly built = new Map<string, Image>();

  constructor(private readonly parent: pulumi.Resource) {}

  /**
   * The image id a container should run. The provider stores a container's image as the id
   * (sha256:...), so anything else (a repo digest) differs on every run and replaces it.
   */
  ref(image: ImageRef): pulumi.Output<string> {
    if (image.kind === 'pinned') {
      let remote = this.pinned.get(image.ref);
      if (!remote) {
        // Named by name:tag only: a new digest for the same tag updates this resource in place.
        const logical = `image-${withoutDigest(image.ref).replace(/[^A-Za-z0-9.-]/g, '-')}`;
        remote = new RemoteImage(logical, { name: image.ref, keepLocally: true }, { parent: this.parent });
        this.pinned.set(image.ref, remote);
      }
      return remote.imageId;
    }
    let built = this.built.get(image.name);
    if (!built) {
      built = new Image(`image-${image.name.replace(/[^A-Za-z0-9.-]/g, '-')}`, {
        imageName: image.name,
        build: { context: fromRoot(image.context), dockerfile: fromRoot(image.dockerfile), ...(image.args ? { args: image.args } : {}) },
        skipPush: true,
      }, { parent: this.parent });
      this.built.set(image.name, built);
    }
    // For a local image, repoDigest is its image id: a rebuild changes it and replaces containers.
    return built.repoDigest;
  }
}
