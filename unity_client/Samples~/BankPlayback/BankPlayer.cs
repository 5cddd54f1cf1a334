using Soundloom.Unity;
using UnityEngine;

/// <summary>Plays a random door slam from a SoundloomBank on Space, and loops the rain bed.</summary>
[RequireComponent(typeof(AudioSource))]
public sealed class BankPlayer : MonoBehaviour
{
    public SoundloomBank bank;
    public string oneShot = "door_slam";
    public string bed = "rain_on_tin";
    public SoundloomAmbience ambience;

    void Start()
    {
        if (ambience != null && !string.IsNullOrEmpty(bed))
        {
            ambience.playOnStart = false;
            ambience.Use(bank.Pick(bed));
            ambience.Play();
        }
    }

    void Update()
    {
        if (Input.GetKeyDown(KeyCode.Space)) bank.PlayOneShot(GetComponent<AudioSource>(), oneShot);
    }
}
