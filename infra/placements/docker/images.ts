// Images for the Docker placement: pinned remote images pulled once each, and the app built
// from app/Dockerfile. Containers get the image's digest so they follow a rebuild.
import { Image } from '@pulumi/docker/image.js';
import { RemoteImage } from '@pulumi/docker/remoteImage.js';
import type * as pulumi from '@pulumi/pulumi';
import type { ImageRef } from '../../topology/types.js';

export class ImageCatalog {
  private readonly pinned = new Map<string, RemoteImage>();
  private readonly built = new Map<string, Image>();

  constructor(private readonly parent: pulumi.Resource) {}

  /** The reference a container should run: the digest (remote) or the local image id (built). */
  ref(image: ImageRef): pulumi.Output<string> {
    if (image.kind === 'pinned') {
      let remote = this.pinned.get(image.ref);
      if (!remote) {
        const logical = `image-${image.ref.replace(/[^A-Za-z0-9.-]/g, '-')}`;
        remote = new RemoteImage(logical, { name: image.ref, keepLocally: true }, { parent: this.parent });
        this.pinned.set(image.ref, remote);
      }
      return remote.repoDigest;
    }
    let built = this.built.get(image.name);
    if (!built) {
      built = new Image(`image-${image.name.replace(/[^A-Za-z0-9.-]/g, '-')}`, {
        imageName: image.name,
        // Paths relative to the project folder (the repository root, where Pulumi.yaml is).
        build: { context: image.context, dockerfile: image.dockerfile },
        skipPush: true,
      }, { parent: this.parent });
      this.built.set(image.name, built);
    }
    // For a local image, repoDigest is its image id: a rebuild changes it and replaces containers.
    return built.repoDigest;
  }
}
